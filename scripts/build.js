/**
 * `npm run build`: compiles src/ to dist/, the build `npm start` and bin/incident-bot.js run.
 * `npm ci` runs it as `prepare` with --if-needed: it then skips a build that is still fresh (CI
 * installs three times) and, when typescript is absent (`npm ci --omit=dev`), says so instead of
 * failing the install. Type checking is `npm run lint`'s job; the build only emits (tsc --noCheck
 * writes the same files in a fraction of the time).
 */
import { spawnSync } from 'node:child_process';
import { cpSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { STAMP, buildState } from './build-state.js';

const root = fileURLToPath(new URL('..', import.meta.url));
const ifNeeded = process.argv.includes('--if-needed');

if (ifNeeded && buildState(root).state === 'fresh') {
  console.log('dist/ is up to date');
  process.exit(0);
}
let tsc;
try {
  tsc = createRequire(join(root, 'package.json')).resolve('typescript/bin/tsc');
} catch {
  const why = 'typescript (a dev dependency) is not installed, so dist/ was not built';
  if (!ifNeeded) {
    console.error(`npm run build: ${why}. Install with \`npm ci\` (without --omit=dev).`);
    process.exit(1);
  }
  console.warn(
    `incident-bot: ${why} (npm ci --omit=dev?). npm start needs dist/: build it where the dev dependencies ` +
      'are installed (npm ci && npm run build) and copy it here, or run the sources with npm run dev.',
  );
  process.exit(0);
}
const started = new Date();
rmSync(join(root, 'dist'), { recursive: true, force: true });
const run = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--noCheck'], {
  cwd: root,
  stdio: 'inherit',
});
if (run.status !== 0) {
  console.error('npm run build: tsc failed (above); dist/ is not usable.');
  process.exit(run.status ?? 1);
}
// JavaScript sources tsc does not emit (it compiles TypeScript only): copied as they are.
for (const file of ['db/postgres/pg-worker.js', 'db/checkpoint-worker.js'])
  cpSync(join(root, 'src', file), join(root, 'dist', file));
const stamp = join(root, 'dist', STAMP);
writeFileSync(stamp, `${JSON.stringify({ builtAt: started.toISOString(), node: process.version })}\n`);
// Dated when the build began: a source saved while tsc ran makes the build stale, not fresh.
utimesSync(stamp, started, started);
console.log(`built dist/ in ${((Date.now() - started.getTime()) / 1000).toFixed(1)} s`);
