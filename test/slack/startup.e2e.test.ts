import { once } from 'node:events';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, CAROL, eventually, startTestBot, tempDir, type TestBot } from '../helpers/test-bot.ts';

describe('starting while Slack is unreachable', () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  async function start(): Promise<{ slack: FakeSlack; bot: TestBot }> {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    slack.inject('auth.test', { status: 503 });
    const bot = await startTestBot(slack, join(tmp.dir, 'bot.db'));
    cleanups.push(
      tmp.cleanup,
      () => slack.stop(),
      () => bot.app.stop(0),
    );
    return { slack, bot };
  }

  it('asks Slack who the bot is again on the first command, and answers it', async () => {
    const { slack, bot } = await start();
    await eventually(() => slack.calls.some((c) => c.method === 'auth.test' && !c.ok));
    const res = await bot.command('declare Started during a Slack blip sev3');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(slack.calls.filter((c) => c.method === 'auth.test').map((c) => c.ok)).toEqual([false, true]);
    await eventually(() => bot.app.incidents.listOpen().find((i) => i.channelId));
  });

  it('stops cleanly with auth.test still unanswered', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE] }).start();
    slack.inject('auth.test', { hang: true });
    const bot = await startTestBot(slack, join(tmp.dir, 'bot.db'));
    await once(slack, 'hang');
    await bot.app.stop(0);
    await slack.stop();
    tmp.cleanup();
    // An unanswered or failed auth.test must not surface as an unhandled rejection (vitest fails the run on one).
    await new Promise((r) => setTimeout(r, 50));
  });
});
