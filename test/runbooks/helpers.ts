import { fileURLToPath } from 'node:url';
import { RunbookRepository, type RunRecord } from '../../src/runbooks/run-repository.ts';
import { eventually, type Harness } from '../helpers/test-bot.ts';

export const FIXTURES = fileURLToPath(new URL('./fixtures', import.meta.url));

/** Slack entity-encodes &, < and > in slash command text; tests type what a person would. */
export const slackEncode = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

export const runs = (h: Harness) => new RunbookRepository(h.bot.app.db);

export function runIdOf(reply: { body: unknown }): number {
  const text = typeof reply.body === 'string' ? reply.body : String((reply.body as { text?: string }).text ?? '');
  const m = /run #(\d+)/.exec(text);
  if (!m) throw new Error(`no run id in reply: ${text}`);
  return Number(m[1]);
}

export const finished = (h: Harness, runId: number, timeoutMs = 15_000): Promise<RunRecord> =>
  eventually(
    () => {
      const run = runs(h).get(runId);
      return run && run.status !== 'running' && run.status !== 'awaiting_approval' ? run : undefined;
    },
    timeoutMs,
    `run #${runId} to finish`,
  );

export const awaitingApproval = (h: Harness, runId: number): Promise<RunRecord> =>
  eventually(
    () => {
      const run = runs(h).get(runId);
      return run?.status === 'awaiting_approval' ? run : undefined;
    },
    10_000,
    `run #${runId} to wait for approval`,
  );

/** The argv/env JSON that scripts/argv.mjs printed in a step's output. */
export const echoed = (output: string) =>
  JSON.parse(output.trim().split('\n').at(-1)!) as { argv: string[]; env: string[] };

export const alive = (pid: number) => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};
