import sparticuz from '@sparticuz/chromium';
import { chromium, type Browser, type Page } from 'playwright-core';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

export const ARTIFACTS = fileURLToPath(new URL('../../test-artifacts/', import.meta.url));

/** Keep the browser off the network this machine does not have. */
const OFFLINE = [
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
/**
 * The package's serverless flags, less two that would make this browser laxer than a user's (the
 * status page and sandbox tests check what a page may NOT do) and `--single-process`, with which
 * closing one page takes the whole browser down.
 */
const LAX = new Set(['--disable-web-security', '--allow-running-insecure-content', '--single-process']);

/**
 * Which Chromium the browser tests drive: `CHROMIUM_PATH` if set, else the headless Chromium that
 * ships inside the `@sparticuz/chromium` devDependency, so `npm ci && npm test` needs no system browser.
 */
export async function launchBrowser(): Promise<Browser> {
  mkdirSync(ARTIFACTS, { recursive: true });
  const system = process.env.CHROMIUM_PATH;
  if (system) return chromium.launch({ executablePath: system, args: ['--no-sandbox', '--disable-gpu', ...OFFLINE] });
  return chromium.launch({
    executablePath: packagedChromium(),
    args: [...sparticuz.args.filter((a) => !LAX.has(a)), ...OFFLINE],
  });
}

/**
 * The package's Chromium, unpacked once per version into its own directory under the temp dir.
 * `executablePath()` alone unpacks into the shared `/tmp/chromium` and returns that path as soon as
 * the file exists, so two test files launching at once (or a second checkout, or another version)
 * can start a half-written binary. Here the unpacking runs in a child process pointed at a private
 * staging directory (the package reads TMPDIR), which is then renamed into place in one step; a
 * process that loses the race uses the winner's copy.
 */
function packagedChromium(): string {
  const entry = createRequire(import.meta.url).resolve('@sparticuz/chromium');
  const pkgJson = join(dirname(entry), '..', 'package.json');
  const { version } = JSON.parse(readFileSync(pkgJson, 'utf8')) as { version: string };
  const home = join(tmpdir(), `incident-bot-chromium-${version}`);
  const binary = join(home, 'chromium');
  if (existsSync(binary)) return binary;
  const staging = mkdtempSync(`${home}.partial-`);
  const module = JSON.stringify(pathToFileURL(entry).href);
  const script = `const { default: c } = await import(${module}); await c.executablePath();`;
  const run = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    env: { ...process.env, TMPDIR: staging },
    encoding: 'utf8',
  });
  if (run.status !== 0 || !existsSync(join(staging, 'chromium'))) {
    rmSync(staging, { recursive: true, force: true });
    throw new Error(`could not unpack @sparticuz/chromium ${version}: ${run.stderr || run.error?.message}`);
  }
  try {
    renameSync(staging, home);
  } catch (error) {
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(binary)) throw error;
  }
  return binary;
}

/** Collects what a page must never do: log errors, throw, or open a dialog (an executed alert()). */
export function watch(page: Page) {
  const problems: string[] = [];
  page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('dialog', (d) => {
    problems.push(`dialog: ${d.message()}`);
    void d.dismiss();
  });
  return problems;
}
