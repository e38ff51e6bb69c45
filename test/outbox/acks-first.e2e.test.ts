import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, eventually, startTestBot, tempDir, type TestBot } from '../helpers/test-bot.ts';

/** A request the bot has begun to receive and cannot answer yet: its body is still on the way. */
async function requestHeldOpen(url: string): Promise<Socket> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  await new Promise((resolve) => socket.once('connect', resolve));
  socket.write(
    'POST /slack/events HTTP/1.1\r\nhost: bot\r\ncontent-type: application/x-www-form-urlencoded\r\n' +
      'content-length: 100\r\n\r\ntoken=half',
  );
  return socket;
}

describe('acks before deliveries: no delivery starts while a request waits for its answer', () => {
  let slack: FakeSlack;
  let bot: TestBot;
  let tmp: ReturnType<typeof tempDir>;
  const start = async (maxYieldMs: number | undefined, pollMs = 50) => {
    tmp = tempDir();
    slack = await new FakeSlack({ users: [ALICE, BOB] }).start();
    bot = await startTestBot(slack, join(tmp.dir, 'bot.db'), { worker: { pollMs, maxYieldMs } });
  };
  afterEach(async () => {
    await bot.app.stop(0);
    await slack.stop();
    tmp.cleanup();
  });
  const creates = () => slack.calls.filter((c) => c.method === 'conversations.create').length;

  it('waits for the request to be answered, then delivers what was queued meanwhile', async () => {
    await start(60_000);
    const held = await requestHeldOpen(bot.app.url);
    const declare = await bot.command('declare Waits for the ack');
    expect(declare.status).toBe(200);
    // Several polls go by: the room is queued, and not started while the held request is unanswered.
    await new Promise((r) => setTimeout(r, 500));
    expect(bot.app.outbox.forIncident(1).map((r) => r.state)).toContain('pending');
    expect(creates()).toBe(0);
    held.end(); // the connection closes: nothing more is owed to it
    await eventually(() => creates() === 1, 10_000, 'the channel created once the request is answered');
    await eventually(() => bot.app.outbox.forIncident(1).every((r) => r.state === 'delivered'), 10_000, 'the room');
  });

  it.each([
    ['50 ms', 50],
    ['the default', undefined],
  ])('gives way for a bounded time only (%s): requests that never end do not stop deliveries', async (_, yieldMs) => {
    await start(yieldMs);
    const held = await requestHeldOpen(bot.app.url);
    await bot.command('declare Never starves');
    await eventually(() => bot.app.outbox.forIncident(1).every((r) => r.state === 'delivered'), 10_000, 'the room');
    expect(held.destroyed).toBe(false);
    held.destroy();
  });

  it('starts what it held back as soon as the last request is answered, not at its next poll', async () => {
    // No poll and no end of the yield within the test: only the answer can set the delivery going.
    await start(60_000, 60_000);
    const held = await requestHeldOpen(bot.app.url);
    await bot.command('declare Goes when answered');
    await new Promise((r) => setTimeout(r, 300));
    expect(creates()).toBe(0);
    held.end();
    await eventually(() => creates() === 1, 10_000, 'the channel created once the request is answered');
  });
});
