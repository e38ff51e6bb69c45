import type { NewEffect } from '../outbox/types.ts';
import type { PageTarget } from './page-repository.ts';
import type { CommsVacancy } from './roles.ts';
import type { ExternalUser, UserRef } from './types.ts';

/**
 * The side effects the domain asks for. They name what should happen (a room for the incident,
 * a notice in it, a status written back to where a page came from), not how: the edges implement
 * each kind. Payloads stay small; deliverers render from the incident as it is at delivery time.
 */
export const EffectKind = {
  ChannelCreate: 'channel.create',
  ChannelInvite: 'channel.invite',
  ChannelSetTopic: 'channel.set_topic',
  ChannelPostSummary: 'channel.post_summary',
  ChannelPinSummary: 'channel.pin_summary',
  ChannelUpdateSummary: 'channel.update_summary',
  ChannelNotice: 'channel.notice',
  /** The comms lead's duties: posted and pinned once, then edited in place as they change. */
  ChannelDuties: 'channel.duties',
  ChannelArchive: 'channel.archive',
  TimelineCapture: 'timeline.capture',
  PeopleResolve: 'people.resolve',
  /** Who an on-call schedule names now, to notice a change of shift during an open incident. */
  PeopleOnCall: 'people.on_call',
  ExternalSetStatus: 'external.set_status',
  /** A page sent from an incident: a new incident in the paging system, linked to ours. */
  ExternalPage: 'external.page',
  /** Resolves a page sent from an incident, because the incident it was help for is resolved. */
  ExternalResolvePage: 'external.resolve_page',
  /** Moves a page (the one that opened the incident, or one sent from it) to the next escalation level. */
  ExternalEscalate: 'external.escalate',
  StatuspageSync: 'statuspage.sync',
  StatuspageMaintenance: 'statuspage.maintenance',
  /** A maintenance window's own channel (asked for when scheduled): opened, then told each step. */
  MaintenanceChannelOpen: 'maintenance.channel_open',
  MaintenanceChannelStep: 'maintenance.channel_step',
  StatusWebhook: 'status.webhook',
  PostmortemPublish: 'postmortem.publish',
  /** Re-renders one person's overview of open incidents (the Home tab in chat). */
  OverviewRefresh: 'overview.refresh',
  /** The incident's summary where incidents are announced: posted once, then edited in place. */
  AnnouncementSummary: 'announcement.summary',
  /** One line in the thread under that summary, saying what changed. */
  AnnouncementLine: 'announcement.line',
  /** A runbook an automation starts, once the change that fired it has committed and the room exists. */
  AutomationRunbook: 'automation.runbook',
} as const;
export type EffectKind = (typeof EffectKind)[keyof typeof EffectKind];

/** An alert as a notice shows it: only the labels and annotations it adds to what its group shares. */
export interface NoticeAlert {
  name: string;
  labels: Record<string, string>;
  annotations: Record<string, string>;
  url: string | null;
}

/** Something to tell the incident channel; the Slack side renders each type. */
export type Notice =
  | {
      type: 'roles';
      commander: UserRef | null;
      comms: UserRef | null;
      /** Why nobody is comms lead (the vacancy reminders follow). */
      vacancy?: CommsVacancy;
      /** The comms lead is being looked up in the on-call schedule; named when it answers. */
      lookingUp?: boolean;
    }
  /** The comms lead became commander: comms moved to `to`, or is vacant (and why). */
  | { type: 'comms_moved'; from: UserRef; to: UserRef | null; vacancy: CommsVacancy | null; by: string }
  /** The on-call schedule names someone new: they are offered the comms role (a button only they may press). */
  | { type: 'comms_offer'; incidentId: number; to: UserRef; comms: UserRef | null }
  | { type: 'unresolved_people'; people: { name: string; reason: string }[] }
  /** A people lookup could not reach its source (`refused`: it answered 401/403, the operator must act). */
  | { type: 'people_unreachable'; via: string; refused: boolean }
  | { type: 'acknowledged'; by: string; via: string }
  | { type: 'unacknowledged'; via: string }
  | { type: 'resolved'; by: string; via: string; note: string | null }
  | { type: 'reopened'; by: string; via: string }
  | { type: 'reassigned'; to: string[]; via: string; how: string }
  | { type: 'severity_changed'; from: string; to: string; by: string; via: string }
  | { type: 'external_note'; by: string; via: string; text: string }
  | { type: 'responder_added'; name: string; via: string; message: string | null }
  | { type: 'linked'; via: string; externalId: string; url: string | null; title: string }
  /** Alerts of the incident's group fire (`joined`: after it opened); `more` were not listed. */
  | {
      type: 'alerts_firing';
      via: string;
      joined: boolean;
      labels: Record<string, string>;
      annotations: Record<string, string>;
      alerts: NoticeAlert[];
      more: number;
    }
  /** Alerts of the incident's group resolved; `allResolved`: none fires any more (the incident stays open). */
  | {
      type: 'alerts_resolved';
      via: string;
      alerts: Pick<NoticeAlert, 'name' | 'labels'>[];
      more: number;
      allResolved: boolean;
    }
  /** Someone (null: an automation) asked to page a target from this incident. */
  | { type: 'page_requested'; via: string; by: UserRef | null; target: PageTarget; title: string }
  | { type: 'page_created'; via: string; target: PageTarget; externalId: string; url: string | null; title: string }
  /** The paging system refused the page (its own words); nothing was paged. */
  | { type: 'page_refused'; via: string; target: PageTarget; reason: string }
  /** A page sent from this incident was acknowledged there: who did is invited here. */
  | { type: 'page_acknowledged'; via: string; by: string; externalId: string; url: string | null }
  | { type: 'page_escalated'; via: string; externalId: string; level: number; by: UserRef | null }
  | { type: 'escalation_refused'; via: string; externalId: string; level: number; reason: string }
  | { type: 'update'; status: string; body: string; by: string; public?: boolean }
  | { type: 'update_overdue'; comms: string | null; minutes: number }
  | { type: 'comms_vacant' }
  | { type: 'handoff'; role: string; from: string | null; to: string; by: string }
  | { type: 'mitigated'; by: string }
  /** An automation fired (or, in a dry run, would have): what it did and why; notes it added. */
  | { type: 'automation'; automation: string; text: string; dryRun: boolean; notes: string[] }
  /** Something an automation asked for could not be done (the reason is the domain's words). */
  | { type: 'automation_failed'; automation: string; text: string }
  /** A merged report review published nothing: its public text changed after the review showed it. */
  | { type: 'public_report_changed' }
  | { type: 'followup'; text: string; owner: string | null; by: string }
  | {
      type: 'postmortem';
      url: string | null;
      file: string | null;
      issues: number;
      edited: boolean;
      /** Why the report's home refused it (its own words), when it did: the draft was kept instead. */
      refused?: string;
      /** Its home kept failing until the last try (its own words): the draft was kept instead. */
      unreachable?: string;
      /** A private incident's report kept off GitHub: no private repository is set for it. */
      keptPrivate?: boolean;
      /** Drafts were refused there, so the report is an ordinary review marked as a draft by name. */
      regularReview?: boolean;
      /** The report's home was empty; its first commit was made on this branch. */
      firstCommitOn?: string;
    }
  | {
      type: 'runbook_approval';
      runId: number;
      runbook: string;
      stepIndex: number;
      stepName: string;
      requestedBy: string;
      description: string;
      requesterMayApprove: boolean;
    }
  | {
      type: 'runbook_finished';
      runId: number;
      runbook: string;
      version: string;
      status: string;
      by: string;
      dryRun: boolean;
      durationMs: number;
      steps: { name: string; status: string; exitCode: number | null }[];
    }
  | {
      type: 'closing_summary';
      declaredAt: number;
      acknowledgedAt: number | null;
      mitigatedAt: number | null;
      resolvedAt: number;
      responders: number;
    };

export const forIncident = (
  incidentId: number,
  kind: EffectKind,
  discriminator: string,
  payload: Record<string, unknown> = {},
): NewEffect => ({
  kind,
  orderingKey: `incident:${incidentId}`,
  incidentId,
  payload,
  idempotencyKey: `incident:${incidentId}:${kind}:${discriminator}`,
});

/**
 * What opening an incident's room takes, in the order it must happen. These go ahead of anything
 * of the incident's already waiting (priority -1): such rows need the room to exist. A page opens
 * its room with nobody to invite yet: its people are looked up beside it (`resolvePeopleEffect`).
 */
export function openRoomEffects(incidentId: number, invitees: UserRef[]): NewEffect[] {
  const users = [...new Set(invitees)].sort();
  return [
    forIncident(incidentId, EffectKind.ChannelCreate, 'open'),
    ...(users.length > 0 ? [forIncident(incidentId, EffectKind.ChannelInvite, users.join(','), { users })] : []),
    forIncident(incidentId, EffectKind.ChannelSetTopic, 'open'),
    forIncident(incidentId, EffectKind.ChannelPostSummary, 'open'),
    forIncident(incidentId, EffectKind.ChannelPinSummary, 'open'),
  ].map((e) => ({ ...e, priority: -1 }));
}

/** A notice, keyed by what caused it (a delivery id or timeline event id) so a retry never posts twice. */
export const noticeEffect = (incidentId: number, cause: string, notice: Notice): NewEffect =>
  forIncident(incidentId, EffectKind.ChannelNotice, `${notice.type}:${cause}`, { notice });

/** Re-renders the pinned summary and the topic after a change of state, severity or roles. */
export const refreshEffects = (incidentId: number, cause: string): NewEffect[] => [
  forIncident(incidentId, EffectKind.ChannelUpdateSummary, cause),
  forIncident(incidentId, EffectKind.ChannelSetTopic, cause),
];

/** Re-renders the comms lead's duties (next update due, who to tell, the status page) where they are pinned. */
export const dutiesEffect = (incidentId: number, cause: string): NewEffect =>
  forIncident(incidentId, EffectKind.ChannelDuties, cause);

/**
 * Looks people up in the paging system and the chat. It has its own ordering key, so a lookup
 * that waits for an unreachable vendor never holds up the room's rows; what it finds comes back
 * as rows of the room (invites, roles) through `staff`.
 */
export const resolvePeopleEffect = (
  incidentId: number,
  cause: string,
  source: string,
  people: ExternalUser[],
  purpose: 'staff' | 'invite',
  /** The on-call schedule whose person is comms lead (looked up when staffing), if any. */
  schedule: string | null = null,
): NewEffect => ({
  ...forIncident(incidentId, EffectKind.PeopleResolve, `${purpose}:${cause}`, { source, people, purpose, schedule }),
  orderingKey: `incident:${incidentId}:people`,
});

/** Asks who the schedule names now; keyed by the look it is (its due time), so a repeated tick asks once. */
export const onCallEffect = (incidentId: number, schedule: string, dueAt: number): NewEffect => ({
  ...forIncident(incidentId, EffectKind.PeopleOnCall, `${schedule}:${dueAt}`, { schedule }),
  orderingKey: `incident:${incidentId}:people`,
});

/** Writes a status set in chat back to the paging system the page came from. */
export const setExternalStatusEffect = (
  incidentId: number,
  cause: string,
  source: string,
  externalId: string,
  status: 'acknowledged' | 'resolved',
  note: string | null,
): NewEffect => ({
  ...forIncident(incidentId, EffectKind.ExternalSetStatus, `${source}:${externalId}:${status}:${cause}`, {
    source,
    externalId,
    status,
    note,
  }),
  // Its own key: while the paging system is down, the room's notices and updates must not wait
  // for the write-back; write-backs stay in order among themselves (an ack before its resolve).
  orderingKey: `incident:${incidentId}:writeback`,
});

/**
 * Sends a page (and, on their own rows after it, its escalations) on the incident's paging key:
 * while the paging system is down, the room's rows do not wait for it.
 */
export const pageEffect = (incidentId: number, pageId: number): NewEffect => ({
  ...forIncident(incidentId, EffectKind.ExternalPage, String(pageId), { pageId }),
  orderingKey: `incident:${incidentId}:paging`,
});

/**
 * Resolves a page sent from the incident, on the paging key after the page itself: a page still being
 * created when the incident resolves is created first, then resolved.
 */
export const resolvePageEffect = (incidentId: number, cause: string, pageId: number): NewEffect => ({
  ...forIncident(incidentId, EffectKind.ExternalResolvePage, `${pageId}:${cause}`, { pageId }),
  orderingKey: `incident:${incidentId}:paging`,
});

/** Escalates one external incident to one level: a level is asked for once (the key says which). */
export const escalateEffect = (
  incidentId: number,
  escalationId: number,
  externalId: string,
  level: number,
): NewEffect => ({
  ...forIncident(incidentId, EffectKind.ExternalEscalate, `${externalId}:${level}:${escalationId}`, {
    escalationId,
    externalId,
    level,
  }),
  orderingKey: `incident:${incidentId}:paging`,
});

/**
 * Archives the channel later; it has its own ordering key so the wait does not hold up the
 * incident's other effects, and it checks at delivery that the incident was not reopened.
 */
export const archiveEffect = (incidentId: number, resolvedAt: number, availableAt: number): NewEffect => ({
  kind: EffectKind.ChannelArchive,
  orderingKey: `incident:${incidentId}:archive`,
  incidentId,
  payload: { resolvedAt },
  idempotencyKey: `incident:${incidentId}:${EffectKind.ChannelArchive}:${resolvedAt}`,
  availableAt,
});

/** Reads a message (text, author, permalink) that was pinned or marked, then appends it to the timeline. */
export const captureEffect = (incidentId: number, cause: string, payload: Record<string, unknown>): NewEffect =>
  forIncident(incidentId, EffectKind.TimelineCapture, cause, payload);

/** Mirrors a public update to Atlassian Statuspage (creating the incident there on the first). */
export const statuspageSyncEffect = (incidentId: number, updateId: number): NewEffect => ({
  kind: EffectKind.StatuspageSync,
  orderingKey: `incident:${incidentId}:statuspage`,
  incidentId,
  payload: { updateId },
  idempotencyKey: `incident:${incidentId}:${EffectKind.StatuspageSync}:${updateId}`,
});

/** Drafts and publishes the report (GitHub, or a file in the channel); each request is its own row. */
export const postmortemEffect = (incidentId: number, cause: string, force: boolean): NewEffect => ({
  kind: EffectKind.PostmortemPublish,
  orderingKey: `incident:${incidentId}:postmortem`,
  incidentId,
  payload: { force },
  idempotencyKey: `incident:${incidentId}:${EffectKind.PostmortemPublish}:${cause}`,
});

/** Mirrors one step of a maintenance window to Atlassian Statuspage (creating it there on the first). */
export const maintenanceEffect = (maintenanceId: number, updateId: number): NewEffect => ({
  kind: EffectKind.StatuspageMaintenance,
  orderingKey: `maintenance:${maintenanceId}:statuspage`,
  incidentId: null,
  payload: { maintenanceId, updateId },
  idempotencyKey: `maintenance:${maintenanceId}:${EffectKind.StatuspageMaintenance}:${updateId}`,
});

/**
 * The window's channel, in order on its own key: opened (with its summary) before any step is posted.
 * The step row carries its update, so it says what customers were told at that step.
 */
export const maintenanceChannelEffect = (maintenanceId: number, updateId: number | null): NewEffect => {
  const kind = updateId === null ? EffectKind.MaintenanceChannelOpen : EffectKind.MaintenanceChannelStep;
  return {
    kind,
    orderingKey: `maintenance:${maintenanceId}:channel`,
    incidentId: null,
    payload: { maintenanceId, updateId },
    idempotencyKey: `maintenance:${maintenanceId}:${kind}:${updateId ?? 'open'}`,
  };
};

/**
 * Tells each operator-listed endpoint about a public change (an incident's update, a maintenance
 * step, a component's status): one row per endpoint, in order per endpoint, so one that is down
 * holds up only itself. The body is rendered at delivery, from what is public then.
 */
export const statusWebhookEffects = (
  endpoints: number,
  cause: string,
  subject:
    | { incidentId: number }
    | { maintenanceId: number }
    | { componentId: string; old: string; new: string; at: number; changeId: number },
): NewEffect[] =>
  Array.from({ length: endpoints }, (_, endpoint) => ({
    kind: EffectKind.StatusWebhook,
    orderingKey: `status-webhook:${endpoint}`,
    incidentId: 'incidentId' in subject ? subject.incidentId : null,
    payload: { endpoint, ...subject },
    idempotencyKey: `status-webhook:${endpoint}:${cause}`,
  }));
/**
 * Refreshes are coalesced per person over this window: every change within it shares one row,
 * delivered when the window closes and rendered from the incidents as they are then.
 */
export const OVERVIEW_REFRESH_WINDOW_MS = 3_000;

/** One person's overview, redrawn after the changes of the current window (one row per person per window). */
export const overviewRefreshEffect = (user: UserRef, at: number): NewEffect => {
  const window = Math.floor(at / OVERVIEW_REFRESH_WINDOW_MS);
  return {
    kind: EffectKind.OverviewRefresh,
    orderingKey: `overview:${user}`,
    incidentId: null,
    payload: { user },
    idempotencyKey: `overview:${user}:${window}`,
    availableAt: (window + 1) * OVERVIEW_REFRESH_WINDOW_MS,
  };
};
