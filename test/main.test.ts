import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, startChildBot } from './helpers/child-bot.ts';
import { eventually, tempDir } from './helpers/test-bot.ts';

describe('the incident-bot command line', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('start with NODE_ENV=production and no credentials refuses the sandbox and names what is missing', async () => {
    const { code, stderr, stdout } = await runCli(['start'], {
      NODE_ENV: 'production',
      DATABASE_PATH: join(tmp.dir, 'bot.db'),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('incident-bot cannot start.');
    expect(stderr).toContain('NODE_ENV is production but no credentials are set');
    expect(stderr).toContain('SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(existsSync(join(tmp.dir, 'bot.db'))).toBe(false);
  });

  it('start with only some credentials says which are missing and exits 1, without a stack trace', async () => {
    const { code, stderr, stdout } = await runCli(['start'], {
      GITHUB_TOKEN: 'ghp_only_this',
      DATABASE_PATH: join(tmp.dir, 'bot.db'),
    });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('incident-bot cannot start.');
    expect(stderr).toContain('SLACK_BOT_TOKEN is not set: the Slack bot token (xoxb-…) the bot calls the Web API with');
    expect(stderr).toContain('SLACK_SIGNING_SECRET is not set');
    expect(stderr).toContain('GITHUB_REPO is not set but GITHUB_TOKEN is');
    expect(stderr).toContain('With no credentials at all');
    expect(stderr).not.toMatch(/\n\s+at /);
    expect(stderr).not.toContain('ghp_only_this');

    const slackOnly = await runCli(['start'], {
      SLACK_BOT_TOKEN: 'xoxb-only-this',
      DATABASE_PATH: join(tmp.dir, 'bot.db'),
    });
    expect(slackOnly.code).toBe(1);
    expect(slackOnly.stderr).toContain('SLACK_SIGNING_SECRET is not set');
    expect(slackOnly.stderr).not.toContain('SANDBOX');
  });

  it('start with no credentials and a bad LOG_LEVEL names it instead of crashing', async () => {
    const { code, stderr } = await runCli(['start'], { LOG_LEVEL: 'loud' });
    expect(code).toBe(1);
    expect(stderr).toContain('LOG_LEVEL Invalid option');
    expect(stderr).not.toMatch(/\n\s+at /);
  });

  it('start with no credentials at all runs the sandbox: a banner, the console, and nothing written to DATABASE_PATH', async () => {
    const bot = await startChildBot({ PORT: '0', DATABASE_PATH: join(tmp.dir, 'real.db') });
    try {
      // The banner follows the "ready" log line.
      await eventually(() => bot.output().includes('To connect a real Slack'), 5000, 'the banner');
      expect(bot.output()).toContain('SANDBOX MODE: no credentials are set');
      const port = new URL(bot.url).port;
      expect(bot.output()).toContain(`Open http://localhost:${port}/sandbox`);
      const page = await fetch(`${bot.url}/sandbox`);
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('Page on-call');
      const paged = await fetch(`${bot.url}/sandbox/api/page`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: '{}',
      });
      expect(await paged.json()).toMatchObject({ status: 202 });
      // The operator's database path is never touched by a sandbox.
      expect(existsSync(join(tmp.dir, 'real.db'))).toBe(false);
    } finally {
      bot.proc.kill('SIGTERM');
      expect(await bot.exited).toBe(0);
    }
  });

  it('migrate creates the database without Slack credentials, and is idempotent', async () => {
    const env = { DATABASE_PATH: join(tmp.dir, 'data', 'bot.db') };
    const first = await runCli(['migrate'], env);
    expect(first).toMatchObject({ code: 0, stdout: expect.stringMatching(/^Applied 001_core/) });
    const second = await runCli(['migrate'], env);
    expect(second).toMatchObject({ code: 0, stdout: expect.stringContaining('is up to date') });
  });

  it('rejects an unknown command with the usage', async () => {
    const { code, stderr } = await runCli(['launch'], {});
    expect(code).toBe(2);
    expect(stderr).toContain('Unknown command "launch"');
    expect(stderr).toContain('migrate   apply database migrations');
  });
});
