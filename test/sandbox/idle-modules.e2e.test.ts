import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startChildBot } from '../helpers/child-bot.ts';
import { tempDir } from '../helpers/test-bot.ts';

const REGISTER = fileURLToPath(new URL('../fixtures/module-log/register.mjs', import.meta.url));

/**
 * What an idle bot holds is what it loaded at start: libraries that serve only a first use (a
 * report to GitHub, a rendered page, a validated request to the fake PagerDuty) are loaded then,
 * not at start. The sandbox is the README's first command and configures every integration.
 */
describe('the sandbox, idle after start', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('has not loaded Octokit, pdjs, markdown-it, Ajv or the whole OpenTelemetry core', async () => {
    const log = join(tmp.dir, 'modules.txt');
    const bot = await startChildBot({ PORT: '0', MODULE_LOG: log }, 60_000, [
      '--import',
      REGISTER,
      '--import',
      'tsx',
      'src/main.ts',
      'start',
    ]);
    try {
      // Ready, and the seeded private incident's channel made through the fake Slack.
      await expect.poll(() => bot.output(), { timeout: 30_000 }).toContain('"event":"channel.created"');
      const loaded = readFileSync(log, 'utf8').split('\n');
      const packages = (name: string) => loaded.filter((url) => url.includes(`/node_modules/${name}/`));
      // The log is real: the libraries an idle bot does need are in it.
      expect(packages('@slack/bolt')).not.toEqual([]);
      expect(packages('handlebars')).not.toEqual([]);
      expect(packages('@octokit/rest')).toEqual([]);
      expect(packages('@pagerduty/pdjs')).toEqual([]);
      expect(packages('markdown-it')).toEqual([]);
      expect(packages('ajv')).toEqual([]);
      expect(packages('@opentelemetry/core').filter((url) => url.endsWith('/build/src/index.js'))).toEqual([]);
    } finally {
      bot.proc.kill('SIGTERM');
      await bot.exited;
    }
  }, 120_000);
});
