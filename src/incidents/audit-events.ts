import type { AuditAction, AuditEntry } from '../audit/audit-repository.ts';
import type { NewTimelineEvent } from './incident-repository.ts';

/**
 * Which timeline events are privileged or public acts, and under what name the audit log keeps
 * them. The timeline is per incident and for the report; the audit log answers "who did this, from
 * where" across incidents, and outlives the incidents' own retention.
 */
const AUDITED: Record<string, (data: Record<string, unknown>) => AuditAction | null> = {
  role_assigned: () => 'role.granted',
  runbook_started: () => 'runbook.run',
  runbook_approved: () => 'runbook.approved',
  runbook_rejected: () => 'runbook.rejected',
  runbook_stopped: () => 'runbook.stopped',
  update: (data) => (data.public ? 'update.published' : null),
  postmortem_requested: (data) => (data.force ? 'postmortem.forced' : null),
  // Paging wakes people up: who did it (or that an automation did) is kept.
  page_requested: () => 'page.sent',
  escalation_requested: () => 'page.escalated',
};

export function auditEntryOf(event: NewTimelineEvent): AuditEntry | null {
  const action = Object.hasOwn(AUDITED, event.kind) ? AUDITED[event.kind]!(event.data ?? {}) : null;
  if (!action) return null;
  return {
    action,
    actor: event.actor,
    incidentId: event.incidentId,
    detail: { ...event.data, ...(event.body ? { body: event.body.slice(0, 500) } : {}) },
  };
}
