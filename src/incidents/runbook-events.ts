import type { Notice } from './effect-kinds.ts';
import { noticeEffect } from './effect-kinds.ts';
import type { Core } from './core.ts';
import type { UserRef } from './types.ts';

export const RUNBOOK_EVENT_KINDS = [
  'runbook_started',
  'runbook_step',
  'runbook_approval_requested',
  'runbook_approved',
  'runbook_rejected',
  'runbook_stopped',
  'runbook_finished',
] as const;
export type RunbookEventKind = (typeof RUNBOOK_EVENT_KINDS)[number];

/**
 * A runbook run's progress in the timeline (and so in the report), written in the same transaction
 * as the run's own record (`write`), with a channel notice when there is something to announce.
 */
export function recordRunbookEvent(
  core: Core,
  incidentId: number,
  event: { kind: RunbookEventKind; actor: UserRef | null; body: string; data: Record<string, unknown> },
  opts: { write?: () => void; notice?: { cause: string; notice: Notice } } = {},
): void {
  core.transact((change) => {
    core.require(incidentId);
    opts.write?.();
    change.event({ incidentId, ...event });
    if (opts.notice) change.effect(noticeEffect(incidentId, opts.notice.cause, opts.notice.notice));
  });
}

/** People who took part: role holders and anyone who acted in the timeline in chat. */
export function responders(core: Core, incidentId: number): UserRef[] {
  const { incidents } = core.deps;
  const people = [
    ...incidents.roles(incidentId).map((r) => r.userId),
    ...incidents.timeline(incidentId).flatMap((e) => (e.actor && core.deps.chat.isUser(e.actor) ? [e.actor] : [])),
  ];
  return [...new Set(people)];
}
