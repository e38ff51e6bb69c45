export const SEVERITIES = ['sev1', 'sev2', 'sev3', 'sev4'] as const;
export type Severity = (typeof SEVERITIES)[number];

export const STATUSES = ['investigating', 'identified', 'monitoring', 'resolved'] as const;
export type Status = (typeof STATUSES)[number];

export const ROLES = ['commander', 'comms'] as const;
export type Role = (typeof ROLES)[number];

/** A user reference as the edges know it (a Slack user id); the domain treats it as opaque. */
export type UserRef = string;

export interface Incident {
  id: number;
  title: string;
  /** What the public calls it (status page, feed, mirror): never holds who was named in Slack. */
  publicTitle: string;
  description: string | null;
  severity: Severity;
  status: Status;
  source: string;
  externalId: string | null;
  declaredBy: UserRef;
  declaredAt: number;
  acknowledgedAt: number | null;
  mitigatedAt: number | null;
  resolvedAt: number | null;
  channelId: string | null;
  channelName: string | null;
  summaryTs: string | null;
  dedupKey: string | null;
  serviceName: string | null;
  externalUrl: string | null;
  lastUpdateAt: number | null;
  updateDueAt: number | null;
  commsNagAt: number | null;
  publicAt: number | null;
  statuspageId: string | null;
  customerImpact: string | null;
  /** The paging service that fired, when a page opened it (chooses the comms lead's schedule). */
  serviceId: string | null;
  /** The on-call schedule the comms lead follows, if any; who it named when last looked at; when to look next. */
  commsSchedule: string | null;
  commsOnCall: UserRef | null;
  shiftCheckAt: number | null;
  /** Whom the comms role was offered to at the last change of shift: only they may accept it. */
  commsOfferTo: UserRef | null;
  /** The chat message with the comms lead's duties, once posted (edited in place from then on). */
  dutiesTs: string | null;
  /** Its room is private and it is shown only to its people; nothing goes public without confirmation. */
  private: boolean;
  updatedAt: number;
}

export interface IncidentUpdate {
  id: number;
  incidentId: number;
  at: number;
  status: Status;
  body: string;
  author: UserRef | null;
  public: boolean;
  components: ComponentChange[];
}

export interface TimelineEvent {
  id: number;
  incidentId: number;
  at: number;
  kind: string;
  actor: UserRef | null;
  body: string | null;
  data: Record<string, unknown>;
}

export interface RoleAssignment {
  role: Role;
  userId: UserRef;
  assignedAt: number;
  assignedBy: UserRef | null;
}

export const TITLE_MAX = 150;
export const DESCRIPTION_MAX = 3000;

/** A person as an external system (e.g. PagerDuty) names them. */
export interface ExternalUser {
  id: string;
  name: string;
}

/** A person resolved to the chat user id the edges use, or the reason they could not be. */
export interface ResolvedPerson {
  external: ExternalUser;
  userId: UserRef | null;
  reason?: string;
}

export const NOTE_MAX = 3000;

/** A Slack message pinned or marked (reacted to) in an incident channel, or un-pinned/un-marked. */
export interface CapturedMessage {
  /** `added`: chosen from a message's menu; `quoted`: the message an incident was declared from. */
  kind: 'pinned' | 'unpinned' | 'marked' | 'unmarked' | 'added' | 'quoted';
  by: UserRef;
  ts: string;
  text: string;
  author: UserRef | null;
  permalink: string | null;
}

/** Statuspage's component statuses, best to worst (under_maintenance is planned, so it ranks low). */
export const COMPONENT_STATUSES = [
  'operational',
  'under_maintenance',
  'degraded_performance',
  'partial_outage',
  'major_outage',
] as const;
export type ComponentStatus = (typeof COMPONENT_STATUSES)[number];

export interface ComponentChange {
  id: string;
  old: ComponentStatus;
  new: ComponentStatus;
}

/** A component as configured for the status page. */
export interface Component {
  id: string;
  name: string;
  description?: string;
  group?: string;
  statuspage_id?: string;
}
