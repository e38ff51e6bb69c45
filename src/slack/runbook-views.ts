import type { Notice } from '../incidents/effect-kinds.ts';
import type { Runbook } from '../runbooks/load.ts';
import type { RunRecord } from '../runbooks/run-repository.ts';
import type { LiveStatus } from '../runbooks/runner.ts';
import type { PlannedStep } from '../runbooks/plan.ts';
import { codeBlock, escapeMrkdwn as e, mention } from './mrkdwn.ts';

export const RUNBOOK_ACTION = { kill: 'runbook_kill', approve: 'runbook_approve', reject: 'runbook_reject' } as const;
export const RUNBOOK_VIEW = 'runbook_params';

const plain = (text: string) => ({ type: 'plain_text', text: text.slice(0, 150) });
const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text: text.slice(0, 3000) } });

/** The form asking for the parameters a command left out (what was typed is kept in it). */
export function runbookParamsModal(
  runbook: Runbook,
  ctx: { incidentId: number; given: Record<string, string>; dryRun: boolean },
) {
  const blocks = Object.entries(runbook.spec.params).map(([name, p]) => {
    const initial = ctx.given[name] ?? (p.default === undefined ? undefined : String(p.default));
    const element =
      p.type === 'enum'
        ? {
            type: 'static_select',
            action_id: 'value',
            options: p.values.map((v) => ({ text: plain(v), value: v })),
            ...(initial && p.values.includes(initial)
              ? { initial_option: { text: plain(initial), value: initial } }
              : {}),
          }
        : {
            type: 'plain_text_input',
            action_id: 'value',
            max_length: p.type === 'string' ? p.max_length : 16,
            ...(initial ? { initial_value: initial } : {}),
          };
    const hint =
      p.type === 'string' && p.pattern
        ? `Must match ${p.pattern}`
        : p.type === 'integer'
          ? `A whole number${p.min !== undefined ? ` from ${p.min}` : ''}${p.max !== undefined ? ` to ${p.max}` : ''}`
          : undefined;
    return {
      type: 'input',
      block_id: `p_${name}`,
      label: plain(name),
      optional: p.default !== undefined || p.required === false,
      element,
      ...(p.description || hint ? { hint: plain([p.description, hint].filter(Boolean).join(' · ')) } : {}),
    };
  });
  return {
    type: 'modal',
    callback_id: RUNBOOK_VIEW,
    private_metadata: JSON.stringify({
      incident: ctx.incidentId,
      runbook: runbook.spec.name,
      sha: runbook.sha,
      dryRun: ctx.dryRun,
    }),
    title: plain(ctx.dryRun ? 'Runbook dry run' : 'Run a runbook'),
    submit: plain(ctx.dryRun ? 'Dry run' : 'Run'),
    close: plain('Cancel'),
    blocks: [
      section(`*${e(runbook.spec.name)}* v${e(runbook.spec.version)} — ${e(runbook.spec.description)}`),
      ...blocks,
    ],
  };
}

const RUN_ICON: Record<string, string> = {
  running: ':gear:',
  awaiting_approval: ':hourglass:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  killed: ':octagonal_sign:',
  rejected: ':no_entry_sign:',
  interrupted: ':warning:',
};

/** The run's own message: what runs, who started it, and (while it runs) a stop button. */
export function runMessage(run: RunRecord, plan: PlannedStep[]) {
  const params = Object.entries(run.params)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  const text = `${RUN_ICON[run.status] ?? ':gear:'} Runbook *${e(run.runbook)}* v${e(run.version)} (${run.sha})${run.dryRun ? ' — *dry run*' : ''} · run #${run.id} by ${mention(run.requestedBy)} · ${run.status.replace('_', ' ')}`;
  const steps = plan.map((s) => `${s.index + 1}. ${e(s.name)}${s.confirm ? ' (needs approval)' : ''}`).join('\n');
  const live = run.status === 'running' || run.status === 'awaiting_approval';
  return {
    text,
    blocks: [
      section(`${text}${params ? `\n\`${e(params)}\`` : ''}\n${steps}`),
      ...(live
        ? [
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  action_id: RUNBOOK_ACTION.kill,
                  value: String(run.id),
                  style: 'danger',
                  text: plain('Stop'),
                  confirm: {
                    title: plain('Stop this run?'),
                    text: plain('The running step gets SIGTERM, then SIGKILL after 2 s. Later steps do not run.'),
                    confirm: plain('Stop it'),
                    deny: plain('Keep running'),
                  },
                },
              ],
            },
          ]
        : []),
    ],
  };
}

const STEP_ICON: Record<LiveStatus, string> = {
  running: ':hourglass_flowing_sand:',
  awaiting_approval: ':hourglass:',
  shown: ':mag:',
  succeeded: ':white_check_mark:',
  failed: ':x:',
  timed_out: ':alarm_clock:',
  killed: ':octagonal_sign:',
  rejected: ':no_entry_sign:',
};
/** What of a step's output fits in its message; the full output stays in the database. */
export const OUTPUT_SHOWN = 2500;

export function stepMessage(
  run: RunRecord,
  step: PlannedStep,
  state: { status: LiveStatus; output: string; truncated: boolean; exitCode: number | null; durationMs: number | null },
): string {
  const done = state.durationMs === null ? '' : ` in ${(state.durationMs / 1000).toFixed(1)} s`;
  const code = state.exitCode === null ? '' : ` (${step.kind === 'http' ? 'HTTP' : 'exit'} ${state.exitCode})`;
  const head = `${STEP_ICON[state.status]} *${step.index + 1}. ${e(step.name)}* — ${state.status === 'shown' ? 'not run (dry run); would run:' : state.status.replace('_', ' ')}${code}${done}`;
  const cut = state.output.length > OUTPUT_SHOWN;
  const output = cut ? state.output.slice(-OUTPUT_SHOWN) : state.output;
  const note =
    cut || state.truncated ? `\n_Showing the end of the output; all of it is kept with run #${run.id}._` : '';
  return `${head}${output.trim() ? `\n${codeBlock(output)}` : ''}${note}`;
}

/** The approval request (an outbox notice, so it is posted once and survives a restart). */
export function approvalMessage(a: Extract<Notice, { type: 'runbook_approval' }>) {
  const who = a.requesterMayApprove
    ? `${mention(a.requestedBy)} (nobody else responding may approve it, so you may confirm it yourself)`
    : `someone other than ${mention(a.requestedBy)}`;
  const text = `:raised_hand: Step *${a.stepIndex + 1}. ${e(a.stepName)}* of *${e(a.runbook)}* (run #${a.runId}) needs approval from ${who}. It will run:`;
  const value = `${a.runId}:${a.stepIndex}`;
  return {
    text,
    blocks: [
      section(`${text}\n${codeBlock(a.description)}`),
      {
        type: 'actions',
        elements: [
          {
            type: 'button',
            action_id: RUNBOOK_ACTION.approve,
            value,
            style: 'primary',
            text: plain('Approve and run'),
          },
          { type: 'button', action_id: RUNBOOK_ACTION.reject, value, style: 'danger', text: plain('Reject') },
        ],
      },
    ],
  };
}
