/**
 * Whether dist/ (the compiled build `npm start` runs) is there and at least as new as what it is
 * built from. Plain JavaScript: the launcher reads it before anything can compile TypeScript.
 * A build ends by writing dist/.build.json; any file of src/ or a tsconfig changed after it makes
 * the build stale (a stale build would run yesterday's code without a word).
 */
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

export const STAMP = '.build.json';
/** Besides src/, the files the build's output depends on. */
const INPUTS = ['tsconfig.json', 'tsconfig.build.json'];

/** The newest modification time under `dir`, and which file has it (src/ holds a few hundred files). */
function newest(dir, best = { path: '', mtimeMs: 0 }) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest(path, best);
    else {
      const { mtimeMs } = statSync(path);
      if (mtimeMs > best.mtimeMs) Object.assign(best, { path, mtimeMs });
    }
  }
  return best;
}

/**
 * @param {string} root the project's directory (the one holding src/ and dist/)
 * @returns {{ state: 'fresh' } | { state: 'missing' } | { state: 'stale', newer: string }}
 *   `newer`: a source file changed after the build, relative to `root`
 */
export function buildState(root) {
  let built;
  try {
    built = statSync(join(root, 'dist', STAMP)).mtimeMs;
  } catch {
    return { state: 'missing' };
  }
  let sources;
  try {
    sources = newest(join(root, 'src'));
  } catch {
    return { state: 'fresh' }; // shipped without its sources: dist/ is all there is
  }
  for (const name of INPUTS) {
    try {
      const { mtimeMs } = statSync(join(root, name));
      if (mtimeMs > sources.mtimeMs) Object.assign(sources, { path: join(root, name), mtimeMs });
    } catch {
      // not there: nothing to be newer than the build
    }
  }
  return sources.mtimeMs > built ? { state: 'stale', newer: relative(root, sources.path) } : { state: 'fresh' };
}
