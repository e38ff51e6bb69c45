import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { startChildBot, type ChildBot } from '../helpers/child-bot.ts';
import { ALICE, SIGNING_SECRET, eventually, tempDir, testEnv } from '../helpers/test-bot.ts';
import { FIXTURES } from './helpers.ts';

/**
 * The bot runs as its own process here, so a blocked event loop in it cannot also block the test:
 * a bot frozen by a parameter check shows up as a /healthz that never answers (the test fails),
 * not as a test run that hangs.
 */
describe('a hostile runbook parameter', () => {
  let slack: FakeSlack;
  let tmp: ReturnType<typeof tempDir>;
  let bot: ChildBot | undefined;
  beforeEach(async () => {
    tmp = tempDir();
    slack = await new FakeSlack({ users: [ALICE] }).start();
  });
  afterEach(async () => {
    bot?.proc.kill('SIGKILL');
    await bot?.exited;
    await slack.stop();
    tmp.cleanup();
  });

  const command = (text: string, channel: string) => {
    const body = slashCommandBody({ text, userId: ALICE.id, channelId: channel });
    return fetch(`${bot!.url}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) },
    });
  };

  it('leaves the bot answering /healthz while it is checked, and is refused', async () => {
    const settings = join(tmp.dir, 'settings.yaml');
    writeFileSync(settings, `runbooks:\n  dir: ${join(FIXTURES, 'hardening')}\n`);
    bot = await startChildBot({ ...testEnv(slack, join(tmp.dir, 'bot.db')), CONFIG_PATH: settings });
    expect((await command('declare Hostile parameter sev3', 'C0GENERAL')).status).toBe(200);
    const channel = await eventually(() => [...slack.ws.channels.values()][0]?.id, 10_000, 'the incident channel');
    await eventually(() => slack.calls.some((c) => c.method === 'pins.add'), 10_000, 'the incident room');

    // The pattern that froze the bot for good on a backtracking engine, at the longest value it takes.
    const hostile = `${'a'.repeat(3999)}!`;
    const run = command(`runbook run backtrack host=${hostile}`, channel).then(
      (res) => res.json() as Promise<{ text: string }>,
    );
    // Asked while the command is in flight: a bot stuck in the check would never answer this.
    const health = await fetch(`${bot.url}/healthz`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { status: 'ok' } });
    expect((await run).text).toMatch(/^`host` must match /);
    // And again, many at once: each is refused and the bot keeps answering.
    const many = await Promise.all(
      [...Array(5)].map(() =>
        command(`runbook run backtrack host=${hostile}`, channel).then((r) => r.json() as Promise<{ text: string }>),
      ),
    );
    expect(many.map((r) => r.text.slice(0, 18))).toEqual(Array(5).fill('`host` must match '));
    expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
  });
});
