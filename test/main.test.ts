import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from './helpers/child-bot.ts';
import { tempDir } from './helpers/test-bot.ts';

describe('the incident-bot command line', () => {
  let tmp: ReturnType<typeof tempDir>;
  beforeEach(() => (tmp = tempDir()));
  afterEach(() => tmp.cleanup());

  it('start without Slack credentials says what is missing and exits 1, without a stack trace', async () => {
    const { code, stderr, stdout } = await runCli(['start'], { DATABASE_PATH: join(tmp.dir, 'bot.db') });
    expect(code).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain('incident-bot cannot start.');
    expect(stderr).toContain('SLACK_BOT_TOKEN is not set: the Slack bot token (xoxb-…) the bot calls the Web API with');
    expect(stderr).toContain('SLACK_SIGNING_SECRET is not set');
    expect(stderr).not.toMatch(/\n\s+at /);
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
