import type { webApi } from '@slack/bolt';
import type { RunReporter } from '../runbooks/runner.ts';
import { escapeMrkdwn } from './mrkdwn.ts';
import { runMessage, stepMessage } from './runbook-views.ts';

/** Live output is edited in place at most this often per step (Slack's chat.update is tier 3). */
const EDIT_EVERY_MS = 1000;

/**
 * Shows runs in the incident channel as they go: one message per run, its steps in the thread,
 * each edited in place as output arrives (throttled; the final state is always written).
 */
export function slackRunReporter(client: webApi.WebClient): RunReporter {
  const steps = new Map<
    string,
    { ts: Promise<string | undefined>; lastEdit: number; pending?: NodeJS.Timeout; latest?: string }
  >();

  const edit = async (channel: string, key: string, text: string, final: boolean) => {
    const s = steps.get(key)!;
    s.latest = text;
    const now = Date.now();
    if (!final && now - s.lastEdit < EDIT_EVERY_MS) {
      // Coalesce: the latest text is written once the interval has passed.
      s.pending ??= setTimeout(
        () => {
          s.pending = undefined;
          void edit(channel, key, s.latest!, false).catch(() => {});
        },
        EDIT_EVERY_MS - (now - s.lastEdit),
      );
      return;
    }
    if (final && s.pending) clearTimeout(s.pending);
    s.pending = undefined;
    s.lastEdit = now;
    const ts = await s.ts;
    if (ts) await client.chat.update({ channel, ts, text });
  };

  return {
    async started(run, plan, channel) {
      const m = runMessage(run, plan);
      const res = await client.chat.postMessage({ channel, text: m.text, blocks: m.blocks as never });
      return res.ts ?? null;
    },
    async step(run, step, state, channel) {
      const key = `${run.id}:${step.index}`;
      const text = stepMessage(run, step, state);
      const final = state.status !== 'running';
      if (!steps.has(key)) {
        const ts = client.chat
          .postMessage({ channel, text, ...(run.threadTs ? { thread_ts: run.threadTs } : {}) })
          .then((r) => r.ts);
        steps.set(key, { ts, lastEdit: Date.now() });
        await ts;
        return;
      }
      await edit(channel, key, text, final);
      if (final) steps.delete(key);
    },
    async finished(run, plan, channel) {
      if (!run.threadTs) return;
      const m = runMessage(run, plan);
      await client.chat.update({ channel, ts: run.threadTs, text: m.text, blocks: m.blocks as never });
    },
    async post(channel, text) {
      await client.chat.postMessage({ channel, text: escapeMrkdwn(text) });
    },
  };
}
