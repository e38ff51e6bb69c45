import type { UpdateRepository } from '../incidents/update-repository.ts';
import type { MaintenanceRepository } from '../incidents/maintenance-repository.ts';
import type { ComponentHistoryRepository } from './history-repository.ts';
import type { PublicReportRepository } from '../incidents/public-report.ts';
import type { PublicVersion } from './public-version.ts';
import type { Maintenance, MaintenanceStatus } from '../incidents/maintenance-types.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import {
  COMPONENT_STATUSES,
  type Component,
  type ComponentStatus,
  type Incident,
  type IncidentUpdate,
  type Severity,
} from '../incidents/types.ts';

/**
 * What the public may see, built only from published incidents and their public updates: internal
 * updates, notes, roles and Slack ids never enter this model, so no page or API can leak them.
 */
export interface PublicIncident {
  id: string;
  name: string;
  status: IncidentUpdate['status'];
  impact: 'none' | 'minor' | 'major' | 'critical';
  createdAt: number;
  updatedAt: number;
  monitoringAt: number | null;
  resolvedAt: number | null;
  url: string;
  updates: {
    id: string;
    status: IncidentUpdate['status'];
    body: string;
    at: number;
    components: { id: string; name: string; old: ComponentStatus; new: ComponentStatus }[];
  }[];
  components: string[];
}

export interface PublicComponent extends Component {
  status: ComponentStatus;
  position: number;
  updatedAt: number | null;
}

/** A `group:` of the settings as Statuspage shows it: a component of its own, its status its worst child's. */
export interface PublicGroup {
  id: string;
  name: string;
  status: ComponentStatus;
  updatedAt: number | null;
  children: PublicComponent[];
}

export interface StatusContext {
  updates: UpdateRepository;
  maintenances: MaintenanceRepository;
  history: ComponentHistoryRepository;
  reports: PublicReportRepository;
  components: Component[];
  pageName: string;
  publicUrl: string;
  timeZone: string;
  /** When the configuration (and so the component list) was loaded: the components' creation time. */
  startedAt: number;
  now: () => number;
  /** Tells the pages' cache when what they show may have changed. */
  version: PublicVersion;
}

const IMPACT: Record<Severity, PublicIncident['impact']> = {
  sev1: 'critical',
  sev2: 'major',
  sev3: 'minor',
  sev4: 'none',
};
const rank = (s: ComponentStatus) => COMPONENT_STATUSES.indexOf(s);
export const HISTORY_DAYS = 90;

/** A maintenance window as the public sees it: its words, times, components (known ones only). */
export interface PublicMaintenance {
  id: string;
  /** Its number, for links to its page. */
  number: number;
  name: string;
  status: MaintenanceStatus;
  createdAt: number;
  updatedAt: number;
  startedAt: number | null;
  completedAt: number | null;
  scheduledFor: number;
  scheduledUntil: number;
  url: string;
  components: string[];
  updates: { id: string; status: MaintenanceStatus; body: string; at: number }[];
}

export function publicMaintenance(ctx: StatusContext, m: Maintenance): PublicMaintenance {
  const known = new Set(ctx.components.map((c) => c.id));
  const updates = ctx.maintenances.updates(m.id);
  return {
    id: `m${m.id}`,
    number: m.id,
    name: withoutSlackMentions(m.name),
    status: m.status,
    createdAt: m.createdAt,
    updatedAt: Math.max(m.updatedAt, updates[0]?.at ?? 0),
    startedAt: m.startedAt,
    completedAt: m.completedAt,
    scheduledFor: m.scheduledFor,
    scheduledUntil: m.scheduledUntil,
    url: `${ctx.publicUrl}/status/maintenances/${m.id}`,
    components: m.components.filter((id) => known.has(id)),
    updates: updates.map((u) => ({ id: `mu${u.id}`, status: u.status, body: withoutSlackMentions(u.body), at: u.at })),
  };
}

/** Windows not completed (upcoming and active), soonest first. */
export function openMaintenances(ctx: StatusContext): PublicMaintenance[] {
  return ctx.maintenances.open().map((m) => publicMaintenance(ctx, m));
}

/** The 50 latest windows, any status, latest start first (Statuspage's scheduled-maintenances.json). */
export function recentMaintenances(ctx: StatusContext): PublicMaintenance[] {
  return ctx.maintenances.recent(50).map((m) => publicMaintenance(ctx, m));
}

export const isActive = (m: Pick<PublicMaintenance, 'status'>) =>
  m.status === 'in_progress' || m.status === 'verifying';

export function publicComponents(ctx: StatusContext, open = openMaintenances(ctx)): PublicComponent[] {
  const worst = new Map<string, { status: ComponentStatus; at: number }>();
  for (const row of ctx.updates.openComponentStatuses()) {
    const seen = worst.get(row.id);
    if (!seen || rank(row.status) > rank(seen.status)) worst.set(row.id, { status: row.status, at: row.updated_at });
  }
  // Under maintenance while the work is in progress, unless an incident says something worse.
  for (const m of open.filter((m) => m.status === 'in_progress'))
    for (const id of m.components) {
      const seen = worst.get(id);
      if (!seen || seen.status === 'operational')
        worst.set(id, { status: 'under_maintenance', at: m.startedAt ?? m.updatedAt });
    }
  return ctx.components.map((c, position) => ({
    ...c,
    position: position + 1,
    status: worst.get(c.id)?.status ?? 'operational',
    updatedAt: worst.get(c.id)?.at ?? null,
  }));
}

/** An incident as the public sees it; its public updates newest first, read here unless given. */
export function publicIncident(
  ctx: StatusContext,
  incident: Incident,
  updates = ctx.updates.publicUpdates(incident.id),
): PublicIncident {
  const names = new Map(ctx.components.map((c) => [c.id, c.name]));
  const latest = updates[0];
  const monitoring = updates.filter((u) => u.status === 'monitoring').at(-1);
  return {
    id: String(incident.id),
    // Public text never names who was mentioned in Slack, including what was stored before (see text/public-text.ts).
    name: withoutSlackMentions(incident.publicTitle),
    status: incident.status === 'resolved' ? 'resolved' : (latest?.status ?? 'investigating'),
    impact: IMPACT[incident.severity],
    createdAt: incident.publicAt ?? incident.declaredAt,
    updatedAt: latest?.at ?? incident.publicAt ?? incident.declaredAt,
    monitoringAt: monitoring?.at ?? null,
    resolvedAt: incident.resolvedAt,
    url: `${ctx.publicUrl}/status/incidents/${incident.id}`,
    updates: updates.map((u) => ({
      id: String(u.id),
      status: u.status,
      body: withoutSlackMentions(u.body),
      at: u.at,
      components: u.components.filter((c) => names.has(c.id)).map((c) => ({ ...c, name: names.get(c.id)! })),
    })),
    components: [...new Set(updates.flatMap((u) => u.components.map((c) => c.id)))].filter((id) => names.has(id)),
  };
}

/**
 * Group ids are made from their names with a dot, which component ids cannot hold, so a group
 * never shares an id with a component; two names that read the same get a numbered suffix.
 */
export function publicGroups(components: PublicComponent[]): PublicGroup[] {
  const groups = new Map<string, PublicGroup>();
  const taken = new Set<string>();
  for (const c of components) {
    if (!c.group) continue;
    let group = groups.get(c.group);
    if (!group) {
      const slug =
        c.group
          .toLowerCase()
          .replace(/[^a-z0-9]+/g, '-')
          .replace(/^-+|-+$/g, '')
          .slice(0, 40) || 'group';
      let id = `grp.${slug}`;
      for (let n = 2; taken.has(id); n++) id = `grp.${slug}-${n}`;
      taken.add(id);
      group = { id, name: c.group, status: 'operational', updatedAt: null, children: [] };
      groups.set(c.group, group);
    }
    group.children.push(c);
    if (rank(c.status) > rank(group.status)) group.status = c.status;
    if ((c.updatedAt ?? 0) > (group.updatedAt ?? 0)) group.updatedAt = c.updatedAt;
  }
  return [...groups.values()];
}

/** Published incidents open at any time in the last 90 days, newest first. */
export function publicIncidents(
  ctx: StatusContext,
  opts: { limit: number; offset?: number; unresolvedOnly?: boolean },
): PublicIncident[] {
  const since = ctx.now() - HISTORY_DAYS * 86_400_000;
  // Open ones come from their own query: filtering the whole history here cost a query per past incident.
  const rows = opts.unresolvedOnly
    ? ctx.updates.publicOpenIncidents(opts.limit)
    : ctx.updates.publicIncidents(since, opts.limit, opts.offset ?? 0);
  const updates = ctx.updates.publicUpdatesOf(rows.map((i) => i.id));
  return rows.map((i) => publicIncident(ctx, i, updates.get(i.id)));
}

export function publicIncidentCount(ctx: StatusContext): number {
  return ctx.updates.publicIncidentCount(ctx.now() - HISTORY_DAYS * 86_400_000);
}

/**
 * Statuspage's overall indicator: the worst of the components and of the open incidents' impact;
 * with nothing wrong but work in progress, `maintenance`.
 */
export function overallStatus(
  components: PublicComponent[],
  active: PublicIncident[],
  maintenances: PublicMaintenance[] = [],
) {
  const order = ['none', 'minor', 'major', 'critical'] as const;
  const fromComponent: Record<ComponentStatus, (typeof order)[number]> = {
    operational: 'none',
    under_maintenance: 'none',
    degraded_performance: 'minor',
    partial_outage: 'major',
    major_outage: 'critical',
  };
  let indicator: (typeof order)[number] = 'none';
  for (const c of components)
    if (order.indexOf(fromComponent[c.status]) > order.indexOf(indicator)) indicator = fromComponent[c.status];
  // An open incident with no component named still means something is wrong.
  if (indicator === 'none' && active.length > 0) indicator = 'minor';
  if (indicator === 'none' && maintenances.some((m) => m.status === 'in_progress'))
    return { indicator: 'maintenance' as const, description: 'Service Under Maintenance' };
  const description = {
    none: 'All Systems Operational',
    minor: 'Minor Service Outage',
    major: 'Partial System Outage',
    critical: 'Major Service Outage',
  }[indicator];
  return { indicator, description };
}
