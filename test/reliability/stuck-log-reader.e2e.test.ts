import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { startChildBot } from '../helpers/child-bot.ts';
import { ALICE, tempDir, testEnv } from '../helpers/test-bot.ts';

const ROOT = fileURLToPath(new URL('../..', import.meta.url));
/** What `main.ts` gives a stopping bot's output before it ends anyway. */
const SHUTDOWN_OUTPUT_MS = 5_000;
/** Each refused request logs a warning of about 200 bytes: far more than a pipe's 64 kB or a terminal's 4 kB. */
const REFUSED = 1_500;
/** util-linux's `script` (Debian's bsdutils, always installed) runs a command on a terminal of its own. */
const SCRIPT = '/usr/bin/script';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Sends unsigned Slack requests, each refused (401) with a warning in the log; how many were refused. */
async function refuse(url: string, n: number): Promise<number> {
  let refused = 0;
  for (let i = 0; i < n; i += 50) {
    const answers = await Promise.all(
      Array.from({ length: 50 }, () =>
        fetch(`${url}/slack/events`, { method: 'POST', body: 'token=x', signal: AbortSignal.timeout(10_000) }).then(
          (r) => r.status,
        ),
      ),
    );
    refused += answers.filter((status) => status === 401).length;
  }
  return refused;
}

/** Whether the process ended within `ms`. */
async function endsWithin(pid: number, ms: number): Promise<boolean> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (!existsSync(`/proc/${pid}`) || readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.startsWith('Z'))
      return true;
    await sleep(50);
  }
  return false;
}

describe('a log reader that stops reading (a stalled log shipper, a paused terminal)', () => {
  it('on a pipe, neither stalls the bot nor keeps it from stopping, and the bot counts what it drops', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE] }).start();
    const bot = await startChildBot(testEnv(slack, join(tmp.dir, 'bot.db')), 60_000);
    // From here its stdout is not read: the pipe fills and stays full.
    bot.proc.stdout!.pause();
    try {
      expect(await refuse(bot.url, REFUSED)).toBe(REFUSED);
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
      const metrics = await (await fetch(`${bot.url}/metrics`, { headers: { accept: 'text/plain' } })).text();
      expect(metrics).toMatch(/^incident_bot_log_lines_dropped_total 0$/m);

      bot.proc.kill('SIGTERM');
      const outcome = await Promise.race([
        bot.exited.then((code) => ({ code })),
        sleep(SHUTDOWN_OUTPUT_MS + 15_000).then(() => 'still running'),
      ]);
      expect(outcome).toEqual({ code: 0 });
    } finally {
      bot.proc.kill('SIGKILL');
      await slack.stop();
      tmp.cleanup();
    }
  }, 90_000);

  it.runIf(existsSync(SCRIPT))(
    'on a terminal, neither stalls the bot nor keeps it from stopping',
    async () => {
      // The bot's stdout is a terminal whose only reader is `script`, which stops reading it once its own
      // stdout (this pipe) is not read.
      const term = spawn(SCRIPT, ['-qfec', `exec "${process.execPath}" --import tsx src/main.ts start`, '/dev/null'], {
        cwd: ROOT,
        env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', PORT: '0', LOG_LEVEL: 'info' },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      try {
        let out = '';
        const port = await new Promise<number>((resolve, reject) => {
          const timer = setTimeout(() => reject(new Error(`the bot did not start:\n${out}`)), 60_000);
          term.stdout.on('data', function ready(chunk: Buffer) {
            out += chunk.toString();
            const line = out.split(/\r?\n/).find((l) => l.includes('"incident-bot ready"'));
            if (!line) return;
            clearTimeout(timer);
            term.stdout.off('data', ready);
            term.stdout.pause();
            resolve((JSON.parse(line) as { port: number }).port);
          });
        });
        const url = `http://127.0.0.1:${port}`;
        const [botPid] = readFileSync(`/proc/${term.pid}/task/${term.pid}/children`, 'utf8').trim().split(' ');

        expect(await refuse(url, REFUSED)).toBe(REFUSED);
        expect((await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(10_000) })).status).toBe(200);

        process.kill(Number(botPid), 'SIGTERM');
        expect(await endsWithin(Number(botPid), SHUTDOWN_OUTPUT_MS + 15_000)).toBe(true);
      } finally {
        term.kill('SIGKILL');
      }
    },
    120_000,
  );
});
