import { describe, expect, it } from 'vitest';
import { startChildBot } from '../helpers/child-bot.ts';

/** What `main.ts` gives a stopping bot's output before it ends anyway. */
const SHUTDOWN_OUTPUT_MS = 5_000;
/** Each refused request logs a warning of about 200 bytes: far more than a pipe's 64 kB. */
const REFUSED = 1_500;

describe('a log pipe nobody reads (a stalled log shipper)', () => {
  it('neither stalls the bot nor keeps it from stopping when told to', async () => {
    const bot = await startChildBot({ PORT: '0' }, 60_000);
    // From here its stdout is not read: the pipe fills and stays full.
    bot.proc.stdout!.pause();
    try {
      let refused = 0;
      for (let i = 0; i < REFUSED; i += 50) {
        const answers = await Promise.all(
          Array.from({ length: 50 }, () =>
            fetch(`${bot.url}/slack/events`, { method: 'POST', body: 'token=x' }).then((r) => r.status),
          ),
        );
        refused += answers.filter((status) => status === 401).length;
      }
      expect(refused).toBe(REFUSED);
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);

      const asked = Date.now();
      bot.proc.kill('SIGTERM');
      const outcome = await Promise.race([
        bot.exited.then((code) => ({ code })),
        new Promise<'still running'>((r) => setTimeout(() => r('still running'), SHUTDOWN_OUTPUT_MS + 15_000)),
      ]);
      expect(outcome).toEqual({ code: 0 });
      expect(Date.now() - asked).toBeLessThan(SHUTDOWN_OUTPUT_MS + 15_000);
    } finally {
      bot.proc.kill('SIGKILL');
    }
  }, 90_000);
});
