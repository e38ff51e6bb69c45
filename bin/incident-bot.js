#!/usr/bin/env -S node --max-semi-space-size=4
// --max-semi-space-size=4 (here, in `npm start` and in the README's process-manager line): V8's young
// generation otherwise grows to 2 × 16 MB while the bot starts (migrations, module loading) and keeps
// it, which is most of what an idle bot holds above 120 MB; 4 MB semi-spaces keep idle RSS ~22 MB
// lower. It cannot be set from inside: V8 sizes the heap before any script runs.
// `incident-bot`, `npm start` and the other verbs run the compiled build (dist/, made by `npm ci`'s
// prepare or `npm run build`): through tsx the bot starts slower and idles 40 MB higher, because tsx
// compiles every module at start and keeps its compiler. `npm run dev` runs the sources.
// Missing or older than src/, the build is refused with the fix, never run silently out of date.
import { fileURLToPath } from 'node:url';
import { buildState } from '../scripts/build-state.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const build = buildState(root);
if (build.state !== 'fresh') {
  const what =
    build.state === 'missing'
      ? 'dist/ (the compiled build) is missing'
      : `dist/ (the compiled build) is older than ${build.newer}`;
  console.error(
    `incident-bot: ${what}.\nRun \`npm run build\` (it needs the dev dependencies: npm ci), ` +
      'or run the sources through tsx with `npm run dev`.',
  );
  process.exit(1);
}
await import('../dist/main.js');
