/**
 * A runbook step's cost: signed `/incident runbook run argv …` until the run is recorded as
 * finished (command ack, plan, spawn, output captured, timeline, Slack thread), against the floor:
 * spawning the same program directly and waiting for it to exit.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { RunbookRepository } from '../../src/runbooks/run-repository.ts';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { slashCommand } from '../lib/slack-command.ts';
import { summarise, withFloor, type Suite } from '../lib/stats.ts';

const FIXTURES = fileURLToPath(new URL('../../test/runbooks/fixtures', import.meta.url));

const spawnOnce = (args: string[], cwd: string) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd, env: {}, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.resume();
    child.on('error', reject);
    child.on('close', () => resolve());
  });

export const runbook: Suite = {
  name: 'runbook',
  async run({ quick }) {
    const samples = quick ? 10 : 50;
    const floor: number[] = [];
    for (let i = 0; i < samples; i++) {
      const t0 = performance.now();
      await spawnOnce(['scripts/argv.mjs', `value ${i}`], FIXTURES);
      floor.push(performance.now() - t0);
    }
    const dir = mkdtempSync(join(tmpdir(), 'incident-bot-bench-rb-'));
    const settings = join(dir, 'settings.yaml');
    writeFileSync(settings, `runbooks:\n  dir: ${FIXTURES}\n`);
    const withRunbooks = await benchBot({ CONFIG_PATH: settings });
    const [alice] = BENCH_USERS;
    try {
      await slashCommand(withRunbooks.app.url, 'declare Bench runbooks sev3', {
        user: alice!.id,
        channel: 'C0GENERAL',
      });
      const incident = await waitFor(() => withRunbooks.app.incidents.listOpen().find((i) => i.channelId));
      const runs = new RunbookRepository(withRunbooks.app.db);
      const ack: number[] = [];
      const done: number[] = [];
      for (let i = 0; i < samples; i++) {
        const t0 = performance.now();
        const reply = await slashCommand(withRunbooks.app.url, `runbook run argv value="bench ${i}"`, {
          user: alice!.id,
          channel: incident.channelId!,
        });
        ack.push(reply.ms);
        const id = Number(/run #(\d+)/.exec(reply.text)?.[1]);
        if (!id) throw new Error(`runbook did not start: ${reply.text}`);
        await waitFor(() => (runs.get(id)?.status === 'succeeded' ? true : undefined));
        done.push(performance.now() - t0);
      }
      return [
        summarise('runbook', '/incident runbook run → ack', 'ms', ack, '—'),
        withFloor(
          summarise('runbook', 'command → one exec step finished and recorded', 'ms', done, '—'),
          'bare spawn of the same program',
          floor,
        ),
      ];
    } finally {
      await withRunbooks.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};

async function waitFor<T>(check: () => T | undefined, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = check();
    if (v !== undefined) return v;
    if (Date.now() > deadline) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 2));
  }
}
