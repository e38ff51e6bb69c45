import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChildBot } from './helpers/child-bot.ts';
import { tempDir } from './helpers/test-bot.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function node(
  args: string[],
  cwd: string,
  env: Record<string, string> = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const proc = spawn(process.execPath, args, {
      cwd,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    // Decoded as one stream, so a character split across two chunks stays whole.
    proc.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    proc.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    // 'close', not 'exit': a process can exit before the pipe has handed over all it wrote.
    proc.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** A project of its own in a scratch directory: the real launcher and build scripts, a stand-in dist/main.js. */
function scratchProject(dir: string) {
  for (const file of ['bin/incident-bot.js', 'scripts/build-state.js', 'scripts/build.js']) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    copyFileSync(join(ROOT, file), join(dir, file));
  }
  writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  mkdirSync(join(dir, 'src', 'lib'), { recursive: true });
  writeFileSync(join(dir, 'src', 'main.ts'), '');
  writeFileSync(join(dir, 'src', 'lib', 'errors.ts'), '');
  const at = (file: string, secondsAgo: number) => {
    const t = new Date(Date.now() - secondsAgo * 1000);
    utimesSync(join(dir, file), t, t);
  };
  return {
    at,
    build(secondsAgo: number) {
      mkdirSync(join(dir, 'dist'), { recursive: true });
      writeFileSync(join(dir, 'dist', 'main.js'), 'console.log(JSON.stringify(process.argv.slice(2)));\n');
      writeFileSync(join(dir, 'dist', '.build.json'), '{}\n');
      at('dist/.build.json', secondsAgo);
    },
  };
}

describe('npm start runs the compiled build', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('runs dist/main.js with the verb and its arguments when the build is newer than every source', async () => {
    const project = scratchProject(tmp.dir);
    project.at('src/main.ts', 60);
    project.at('src/lib/errors.ts', 60);
    project.build(10);
    const run = await node(['bin/incident-bot.js', 'backup', 'copy.db', '--force'], tmp.dir);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(JSON.parse(run.stdout)).toEqual(['backup', 'copy.db', '--force']);
  });

  it('refuses to start without dist/ and says how to build it or run the sources', async () => {
    scratchProject(tmp.dir);
    const run = await node(['bin/incident-bot.js', 'start'], tmp.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe(
      'incident-bot: dist/ (the compiled build) is missing.\n' +
        'Run `npm run build` (it needs the dev dependencies: npm ci), or run the sources through tsx with `npm run dev`.\n',
    );
  });

  it('refuses a build older than a source file and names the file, rather than run old code', async () => {
    const project = scratchProject(tmp.dir);
    project.at('src/main.ts', 60);
    project.build(30);
    project.at('src/lib/errors.ts', 5); // edited after the build
    const run = await node(['bin/incident-bot.js', 'migrate'], tmp.dir);
    expect(run.code).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).toContain(`dist/ (the compiled build) is older than ${join('src', 'lib', 'errors.ts')}.`);
    expect(run.stderr).toContain('Run `npm run build`');
  });

  it('a changed tsconfig makes the build stale too', async () => {
    const project = scratchProject(tmp.dir);
    project.at('src/main.ts', 60);
    project.at('src/lib/errors.ts', 60);
    project.build(30);
    writeFileSync(join(tmp.dir, 'tsconfig.build.json'), '{}\n');
    const run = await node(['bin/incident-bot.js', 'start'], tmp.dir);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('is older than tsconfig.build.json.');
  });

  it('install without the dev dependencies (npm ci --omit=dev): prepare says dist/ was not built and does not fail the install; npm run build does', async () => {
    scratchProject(tmp.dir); // no node_modules: typescript cannot be found from here
    const prepare = await node(['scripts/build.js', '--if-needed'], tmp.dir);
    expect(prepare.code).toBe(0);
    expect(prepare.stderr).toContain('typescript (a dev dependency) is not installed, so dist/ was not built');
    expect(prepare.stderr).toContain('npm run dev');
    const build = await node(['scripts/build.js'], tmp.dir);
    expect(build.code).toBe(1);
    expect(build.stderr).toContain('Install with `npm ci` (without --omit=dev)');
    expect((await node(['bin/incident-bot.js', 'start'], tmp.dir)).stderr).toContain(
      'dist/ (the compiled build) is missing',
    );
  });

  it('prepare leaves a fresh build alone (CI installs three times)', async () => {
    const project = scratchProject(tmp.dir);
    project.at('src/main.ts', 60);
    project.at('src/lib/errors.ts', 60);
    project.build(10);
    const prepare = await node(['scripts/build.js', '--if-needed'], tmp.dir);
    expect(prepare).toMatchObject({ code: 0, stdout: 'dist/ is up to date\n' });
  });
});

describe('the compiled build finds its files from dist/', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('migrates, and runs the sandbox with its console, the fakes’ API descriptions and the status page’s templates', async () => {
    // After npm ci the build is fresh and this does nothing; after an edit it compiles (tens of seconds).
    const build = await node(['scripts/build.js', '--if-needed'], ROOT);
    expect(build.code, build.stderr).toBe(0);

    const dbPath = join(tmp.dir, 'bot.db');
    const migrate = await node(['bin/incident-bot.js', 'migrate'], ROOT, { DATABASE_PATH: dbPath });
    expect(migrate.stderr).toBe('');
    expect(migrate.stdout).toMatch(/^Applied .+ to .*bot\.db\n$/);

    const bot = await startChildBot({ PORT: '0' }, 30_000, ['bin/incident-bot.js', 'start']);
    try {
      for (const [path, text] of [
        ['/sandbox', 'incident-bot sandbox'],
        ['/sandbox/sandbox.css', '{'],
        ['/status', '<html'],
      ] as const) {
        const res = await fetch(`${bot.url}${path}`);
        expect(res.status, path).toBe(200);
        expect(await res.text(), path).toContain(text);
      }
    } finally {
      bot.proc.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
    }
  }, 180_000);
});
