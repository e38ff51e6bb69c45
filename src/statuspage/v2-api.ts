import {
  isActive,
  openMaintenances,
  overallStatus,
  recentMaintenances,
  type PublicMaintenance,
  publicComponents,
  publicGroups,
  publicIncident,
  publicIncidents,
  publicMaintenance,
  type PublicComponent,
  type PublicGroup,
  type PublicIncident,
  type StatusContext,
} from './model.ts';

/**
 * The public Statuspage v2 API's shapes (field names, value sets, nesting), so tools that read a
 * Statuspage page can read ours: /api/v2/summary.json, status.json, components.json,
 * incidents.json, incidents/unresolved.json, scheduled-maintenances.json, scheduled-maintenances/upcoming.json
 * and scheduled-maintenances/active.json.
 */
const PAGE_ID = 'incident-bot';
const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

function page(
  ctx: StatusContext,
  components: PublicComponent[],
  incidents: PublicIncident[],
  maintenances: PublicMaintenance[],
) {
  const latest = Math.max(
    ctx.startedAt,
    ...components.map((c) => c.updatedAt ?? 0),
    ...incidents.map((i) => i.updatedAt),
    ...maintenances.map((m) => m.updatedAt),
  );
  return {
    id: PAGE_ID,
    name: ctx.pageName,
    url: `${ctx.publicUrl}/status`,
    time_zone: ctx.timeZone,
    updated_at: iso(latest),
  };
}

function component(ctx: StatusContext, c: PublicComponent, groupId: string | null, position = c.position) {
  return {
    id: c.id,
    name: c.name,
    status: c.status,
    created_at: iso(ctx.startedAt),
    updated_at: iso(c.updatedAt ?? ctx.startedAt),
    position,
    description: c.description ?? null,
    showcase: true,
    start_date: null,
    group_id: groupId,
    page_id: PAGE_ID,
    group: false,
    only_show_if_degraded: false,
  };
}

function groupComponent(ctx: StatusContext, g: PublicGroup, position: number) {
  return {
    id: g.id,
    name: g.name,
    status: g.status,
    created_at: iso(ctx.startedAt),
    updated_at: iso(g.updatedAt ?? ctx.startedAt),
    position,
    description: null,
    showcase: false,
    start_date: null,
    group_id: null,
    page_id: PAGE_ID,
    group: true,
    only_show_if_degraded: false,
    components: g.children.map((c) => c.id),
  };
}

/**
 * Statuspage's component list: each group where its first child stood in the settings, followed
 * by its children, then on; positions count that list in order.
 */
function componentList(ctx: StatusContext, components: PublicComponent[]) {
  const groups = new Map(publicGroups(components).map((g) => [g.name, g]));
  const out: (ReturnType<typeof component> | ReturnType<typeof groupComponent>)[] = [];
  for (const c of components) {
    const group = c.group ? groups.get(c.group) : undefined;
    if (!group) out.push(component(ctx, c, null, out.length + 1));
    else if (group.children[0] === c) {
      out.push(groupComponent(ctx, group, out.length + 1));
      for (const child of group.children) out.push(component(ctx, child, group.id, out.length + 1));
    }
  }
  return out;
}

function incident(i: PublicIncident, listed: ReturnType<typeof componentList>) {
  const byId = new Map(listed.filter((c) => !c.group).map((c) => [c.id, c]));
  return {
    id: i.id,
    name: i.name,
    status: i.status,
    created_at: iso(i.createdAt),
    updated_at: iso(i.updatedAt),
    monitoring_at: iso(i.monitoringAt),
    resolved_at: iso(i.resolvedAt),
    impact: i.impact,
    shortlink: i.url,
    started_at: iso(i.createdAt),
    page_id: PAGE_ID,
    incident_updates: i.updates.map((u) => ({
      id: u.id,
      status: u.status,
      body: u.body,
      incident_id: i.id,
      created_at: iso(u.at),
      updated_at: iso(u.at),
      display_at: iso(u.at),
      affected_components: u.components.map((c) => ({
        code: c.id,
        name: c.name,
        old_status: c.old,
        new_status: c.new,
      })),
      deliver_notifications: true,
      custom_tweet: null,
      tweet_id: null,
    })),
    components: i.components.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
  };
}

/**
 * A maintenance window as Statuspage's scheduled-maintenances.json shapes it: an incident with
 * impact `maintenance`, `scheduled_for`/`scheduled_until`, and its updates as `incident_updates`.
 */
function scheduledMaintenance(m: PublicMaintenance, listed: ReturnType<typeof componentList>) {
  const byId = new Map(listed.filter((c) => !c.group).map((c) => [c.id, c]));
  const componentStatus = (status: PublicMaintenance['status']) =>
    status === 'in_progress' ? 'under_maintenance' : 'operational';
  return {
    id: m.id,
    name: m.name,
    status: m.status,
    created_at: iso(m.createdAt),
    updated_at: iso(m.updatedAt),
    monitoring_at: null,
    resolved_at: iso(m.completedAt),
    impact: 'maintenance',
    shortlink: m.url,
    started_at: iso(m.startedAt ?? m.scheduledFor),
    page_id: PAGE_ID,
    incident_updates: m.updates.map((u, i) => {
      const before = m.updates[i + 1]?.status;
      return {
        id: u.id,
        status: u.status,
        body: u.body,
        incident_id: m.id,
        created_at: iso(u.at),
        updated_at: iso(u.at),
        display_at: iso(u.at),
        affected_components: m.components.flatMap((id) =>
          byId.has(id)
            ? [
                {
                  code: id,
                  name: byId.get(id)!.name,
                  old_status: before ? componentStatus(before) : 'operational',
                  new_status: componentStatus(u.status),
                },
              ]
            : [],
        ),
        deliver_notifications: true,
        custom_tweet: null,
        tweet_id: null,
      };
    }),
    components: m.components.flatMap((id) => (byId.has(id) ? [byId.get(id)!] : [])),
    scheduled_for: iso(m.scheduledFor),
    scheduled_until: iso(m.scheduledUntil),
  };
}

/** The last 50 incidents, as Statuspage's incidents.json returns. */
const RECENT = 50;

export function v2(ctx: StatusContext) {
  const open = openMaintenances(ctx);
  const components = publicComponents(ctx, open);
  const unresolved = publicIncidents(ctx, { limit: 1000, unresolvedOnly: true });
  const status = overallStatus(components, unresolved, open);
  const listed = componentList(ctx, components);
  const pageOf = (incidents: PublicIncident[], maintenances: PublicMaintenance[] = open) =>
    page(ctx, components, incidents, maintenances);
  const maintenancesOf = (list: PublicMaintenance[]) => list.map((m) => scheduledMaintenance(m, listed));
  return {
    summary: () => ({
      page: pageOf(unresolved),
      components: listed,
      incidents: unresolved.map((i) => incident(i, listed)),
      // Statuspage's summary lists the upcoming and the active ones.
      scheduled_maintenances: maintenancesOf(open),
      status,
    }),
    status: () => ({ page: pageOf(unresolved), status }),
    components: () => ({ page: pageOf(unresolved), components: listed }),
    incidents: () => {
      const recent = publicIncidents(ctx, { limit: RECENT });
      return { page: pageOf(recent), incidents: recent.map((i) => incident(i, listed)) };
    },
    unresolved: () => ({ page: pageOf(unresolved), incidents: unresolved.map((i) => incident(i, listed)) }),
    maintenances: () => {
      const recent = recentMaintenances(ctx);
      return { page: pageOf(unresolved, recent), scheduled_maintenances: maintenancesOf(recent) };
    },
    upcoming: () => ({
      page: pageOf(unresolved),
      scheduled_maintenances: maintenancesOf(open.filter((m) => m.status === 'scheduled')),
    }),
    active: () => ({ page: pageOf(unresolved), scheduled_maintenances: maintenancesOf(open.filter(isActive)) }),
  };
}

export type WebhookSubject =
  | { incidentId: number }
  | { maintenanceId: number }
  | { componentId: string; old: string; new: string; at: number; changeId: number };

/**
 * What a status webhook carries, shaped as Statuspage's own subscriber webhooks: `meta`, `page`
 * (with the overall indicator), then `incident` (an incident or a scheduled maintenance, as in
 * the v2 API) or `component_update` and `component`. Null when the subject is no longer public.
 */
export function webhookBody(ctx: StatusContext, subject: WebhookSubject): { event: string; body: object } | null {
  const open = openMaintenances(ctx);
  const components = publicComponents(ctx, open);
  const unresolved = publicIncidents(ctx, { limit: 1000, unresolvedOnly: true });
  const status = overallStatus(components, unresolved, open);
  const listed = componentList(ctx, components);
  const head = {
    meta: { generated_at: iso(ctx.now()) },
    page: { id: PAGE_ID, status_indicator: status.indicator, status_description: status.description },
  };
  if ('incidentId' in subject) {
    const row = ctx.updates.publicIncidentById(subject.incidentId);
    return row
      ? { event: 'incident.updated', body: { ...head, incident: incident(publicIncident(ctx, row), listed) } }
      : null;
  }
  if ('maintenanceId' in subject) {
    const m = ctx.maintenances.get(subject.maintenanceId);
    return m
      ? {
          event: 'maintenance.updated',
          body: { ...head, incident: scheduledMaintenance(publicMaintenance(ctx, m), listed) },
        }
      : null;
  }
  const component = listed.find((c) => c.id === subject.componentId && !c.group);
  if (!component) return null;
  return {
    event: 'component.updated',
    body: {
      ...head,
      component_update: {
        id: `cu${subject.changeId}`,
        component_id: subject.componentId,
        old_status: subject.old,
        new_status: subject.new,
        created_at: iso(subject.at),
      },
      component,
    },
  };
}
