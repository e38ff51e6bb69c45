import type { Followup } from '../incidents/postmortem-repository.ts';
import type {
  Component,
  ComponentStatus,
  Incident,
  IncidentUpdate,
  RoleAssignment,
  TimelineEvent,
} from '../incidents/types.ts';
import { COMPONENT_STATUSES } from '../incidents/types.ts';
import { COMPONENT_STATUS_LABEL, severityLabel, severityWord, statusLabel, statusWord } from '../incidents/labels.ts';

/** Everything the report template sees; built from the timeline, never from Slack scrollback. */
export interface ReportModel {
  incident: {
    id: number;
    title: string;
    severity: string;
    status: string;
    declaredAt: string;
    resolvedAt: string | null;
    channel: string | null;
  };
  summary: { description: string | null; lastUpdates: string[]; resolution: string | null };
  affected: { impact: string | null; components: { name: string; worst: string; duration: string }[] };
  timeline: { day: string | null; time: string; who: string; what: string }[];
  followups: { text: string; owner: string | null; issue: string | null }[];
  timings: { acknowledge: string; mitigate: string; resolve: string; total: string; responders: number };
}

export interface ReportInput {
  incident: Incident;
  timeline: TimelineEvent[];
  updates: IncidentUpdate[];
  roles: RoleAssignment[];
  followups: Followup[];
  components: Component[];
  componentStatuses: { id: string; status: ComponentStatus }[];
  timeZone: string;
  /**
   * Display names of the people among the ids in it (from the people port, which answers for every
   * user id, with the id itself when it cannot say more). An actor it has no entry for is not a
   * person the team knows (e.g. a paging system's name for someone) and does not count as a responder.
   */
  names: Map<string, string>;
  channelUrl: string | null;
  now: number;
}

export function duration(ms: number | null): string {
  if (ms === null || ms < 0) return '—';
  const m = Math.round(ms / 60_000);
  if (m < 60) return `${m} min`;
  const h = Math.floor(m / 60);
  return `${h} h ${m % 60} min`;
}

/** How each timeline event reads in "What happened?" (a data table, not an if-chain). */
const DESCRIBE: Record<string, (e: TimelineEvent, name: (u: unknown) => string) => string> = {
  declared: (e) =>
    e.data.source === 'alert'
      ? `Incident opened by alerts from ${String(e.data.via ?? 'monitoring')}: ${e.body ?? ''} (${severityWord(e.data.severity)})`
      : `Incident declared: ${e.body ?? ''} (${severityWord(e.data.severity)})`,
  paged: (e) => `Paged via ${e.data.source === 'pagerduty' ? 'PagerDuty' : String(e.data.source)}: ${e.body ?? ''}`,
  linked: (e) => `Another page joined: ${e.body ?? ''}`,
  alert_fired: (e) => e.body ?? 'Alerts firing',
  alert_resolved: (e) => e.body ?? 'Alerts resolved',
  alerts_all_resolved: () => 'Every alert of the group resolved',
  role_assigned: (e, n) => `${n(e.data.user)} became ${e.data.role === 'comms' ? 'comms lead' : 'commander'}`,
  role_vacated: () => 'Nobody left to be comms lead: the role was vacant',
  shift_changed: (e, n) => `On-call shift changed: ${e.data.user ? `${n(e.data.user)} on call` : 'nobody on call'}`,
  shift_handover: (e, n) => `${n(e.data.to)} took over as comms lead with the shift`,
  acknowledged: (e) => `Acknowledged${e.data.via === 'pagerduty' ? ' in PagerDuty' : ''}`,
  unacknowledged: () => 'Acknowledgement timed out in PagerDuty',
  mitigated: () => 'Mitigated; monitoring',
  resolved: (e) => `Resolved${e.body ? `: ${e.body}` : ''}`,
  reopened: () => 'Reopened',
  severity_changed: (e) => `Severity ${severityWord(e.data.from)} → ${severityWord(e.data.to)}`,
  priority_updated: (e) => `Priority changed in PagerDuty${e.data.to ? ` (now ${severityWord(e.data.to)})` : ''}`,
  reassigned: () => 'Reassigned in PagerDuty',
  escalated: () => 'Escalated in PagerDuty',
  delegated: () => 'Delegated in PagerDuty',
  responder_added: (e) => `Responder requested${e.body ? `: ${e.body}` : ''}`,
  annotated: (e) => `Note in PagerDuty: ${e.body ?? ''}`,
  page_requested: (e) =>
    `Paged PagerDuty ${e.data.target_kind === 'escalation_policy' ? 'escalation policy' : 'service'} ${String(e.data.target_id)}: ${e.body ?? ''}`,
  page_created: (e) => `PagerDuty incident ${String(e.data.external_id)} created for the page`,
  page_refused: (e) => `PagerDuty refused the page: ${e.body ?? ''}`,
  page_acknowledged: (e) => `Page acknowledged in PagerDuty: ${e.body ?? ''}`,
  page_resolved: (e) => `Page resolved in PagerDuty: ${e.body ?? ''}`,
  escalation_requested: (e) =>
    `Escalated PagerDuty incident ${String(e.data.external_id)} to level ${String(e.data.level)}`,
  escalation_refused: (e) => `PagerDuty refused to escalate to level ${String(e.data.level)}: ${e.body ?? ''}`,
  update: (e) =>
    `${e.data.public ? 'Public update' : 'Internal update'} (${statusWord(e.data.status)}): ${e.body ?? ''}`,
  note: (e) => `Note: ${e.body ?? ''}`,
  impact: (e) => `Impact noted: ${e.body ?? ''}`,
  followup: (e) => `Follow-up added: ${e.body ?? ''}`,
  message_pinned: (e, n) => `Pinned message from ${n(e.data.author)}: ${e.body ?? ''}`,
  message_marked: (e, n) => `Marked message from ${n(e.data.author)}: ${e.body ?? ''}`,
  message_added: (e, n) => `Message from ${n(e.data.author)} added: ${e.body ?? ''}`,
  message_quoted: (e, n) => `Declared from a message from ${n(e.data.author)}: ${e.body ?? ''}`,
  runbook_started: (e) => `Runbook started: ${e.body ?? ''}`,
  runbook_step: (e) => `Runbook ${e.body ?? ''}`,
  runbook_approved: (e, n) => `${n(e.actor)} approved runbook ${e.body ?? ''}`,
  runbook_rejected: (e, n) => `${n(e.actor)} rejected runbook ${e.body ?? ''}`,
  runbook_stopped: (e, n) => (e.actor ? `${n(e.actor)} stopped runbook ${e.body ?? ''}` : `Runbook ${e.body ?? ''}`),
  runbook_finished: (e) => `Runbook ${e.body ?? ''}`,
  // "automation disk-full ran runbook clean-tmp because …": the domain's sentence, as a sentence.
  automation_fired: (e) => sentence(e.body),
  automation_failed: (e) => sentence(e.body),
  automation_unavailable: (e) => sentence(e.body),
  automations_paused: () => 'Automations paused for this incident',
  automations_resumed: () => 'Automations resumed for this incident',
};
function sentence(text: string | null): string {
  return text ? text.charAt(0).toUpperCase() + text.slice(1) : '';
}
/** Bookkeeping that says nothing about the incident itself. */
const SKIP = new Set([
  'postmortem_requested',
  'postmortem_published',
  'postmortem_held',
  'message_unpinned',
  'message_unmarked',
  'runbook_approval_requested',
]);

export function buildReport(input: ReportInput): ReportModel {
  const { incident, timeZone, names } = input;
  const name = (u: unknown) => (typeof u === 'string' && u ? (names.get(u) ?? u) : 'someone');
  const dayFmt = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' });
  const timeFmt = new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  const stamp = (ms: number) => `${dayFmt.format(ms)} ${timeFmt.format(ms)}`;

  // The date is shown on the first line and again whenever the incident crosses midnight.
  let lastDay = '';
  const timeline = input.timeline
    .filter((e) => !SKIP.has(e.kind))
    .map((e) => {
      const day = dayFmt.format(e.at);
      const showDay = day !== lastDay ? day : null;
      lastDay = day;
      const describe =
        DESCRIBE[e.kind] ?? ((ev: TimelineEvent) => `${ev.kind.replace(/_/g, ' ')}${ev.body ? `: ${ev.body}` : ''}`);
      return { day: showDay, time: timeFmt.format(e.at), who: e.actor ? name(e.actor) : '', what: describe(e, name) };
    });

  const at = (ms: number | null) => (ms === null ? null : ms - incident.declaredAt);
  const end = incident.resolvedAt ?? input.now;
  const componentNames = new Map(input.components.map((c) => [c.id, c.name]));
  const affected = input.componentStatuses.flatMap((c) => {
    const changes = input.updates.flatMap((u) =>
      u.components.filter((x) => x.id === c.id).map((x) => ({ at: u.at, status: x.new })),
    );
    const worst = changes.reduce<ComponentStatus>(
      (w, x) => (COMPONENT_STATUSES.indexOf(x.status) > COMPONENT_STATUSES.indexOf(w) ? x.status : w),
      c.status,
    );
    const hit = changes.filter((x) => x.status !== 'operational');
    const from = hit.length ? Math.min(...hit.map((x) => x.at)) : incident.declaredAt;
    const back = changes.filter((x) => x.status === 'operational' && x.at > from).map((x) => x.at);
    return [
      {
        name: componentNames.get(c.id) ?? c.id,
        worst: COMPONENT_STATUS_LABEL[worst].toLowerCase(),
        duration: duration((back.length ? Math.min(...back) : end) - from),
      },
    ];
  });
  const resolution = [...input.timeline].reverse().find((e) => e.kind === 'resolved')?.body ?? null;
  return {
    incident: {
      id: incident.id,
      title: incident.title,
      severity: severityLabel(incident),
      status: incident.status,
      declaredAt: stamp(incident.declaredAt),
      resolvedAt: incident.resolvedAt === null ? null : stamp(incident.resolvedAt),
      channel: input.channelUrl,
    },
    summary: {
      description: incident.description,
      lastUpdates: input.updates.slice(0, 3).map((u) => `${statusLabel(u)}: ${u.body}`),
      resolution,
    },
    affected: { impact: incident.customerImpact, components: affected },
    timeline,
    followups: input.followups.map((f) => ({ text: f.text, owner: f.owner ? name(f.owner) : null, issue: f.issueUrl })),
    timings: {
      acknowledge: duration(at(incident.acknowledgedAt)),
      mitigate: duration(at(incident.mitigatedAt)),
      resolve: duration(at(incident.resolvedAt)),
      total: duration(end - incident.declaredAt),
      responders: new Set(
        input.roles
          .map((r) => r.userId)
          .concat(input.timeline.map((e) => e.actor).filter((a): a is string => Boolean(a && input.names.has(a)))),
      ).size,
    },
  };
}
