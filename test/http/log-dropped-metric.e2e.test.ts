import { join } from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { logOutput } from '../../src/lib/log-output.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, startTestBot, tempDir } from '../helpers/test-bot.ts';

const METRIC = 'incident_bot_log_lines_dropped_total';

describe('the log lines a reader that fell behind never got', () => {
  it('are counted in /metrics, so an alert can say the log has gaps', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB] }).start();
    // A log shipper that took one write and never came back for more.
    const stalled = new Writable({ write: () => undefined });
    const output = logOutput({ stream: stalled, limit: 4_000, onExit: () => undefined });
    const bot = await startTestBot(slack, join(tmp.dir, 'bot.db'), { logOutput: output });
    const scrape = async () => {
      const before = output.dropped();
      const text = await (await fetch(`${bot.app.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
      const line = text.split('\n').find((l) => l.startsWith(`${METRIC} `));
      return { before, value: Number(line?.split(' ')[1]), after: output.dropped() };
    };
    // Each unsigned request is refused with a warning in the log.
    const refuse = (n: number) =>
      Promise.all(
        Array.from({ length: n }, () =>
          fetch(`${bot.app.url}/slack/events`, { method: 'POST', body: 'token=x' }).then((r) => r.status),
        ),
      );
    try {
      expect(await refuse(30)).toEqual(Array(30).fill(401));
      const first = await scrape();
      expect(first.value).toBeGreaterThanOrEqual(first.before);
      expect(first.value).toBeLessThanOrEqual(first.after);
      expect(first.value).toBeGreaterThan(0);

      await refuse(20);
      const second = await scrape();
      expect(second.value).toBeGreaterThanOrEqual(Math.max(second.before, first.value + 20));
      expect(second.value).toBeLessThanOrEqual(second.after);
    } finally {
      await bot.app.stop(0);
      await slack.stop();
      tmp.cleanup();
    }
  });
});
