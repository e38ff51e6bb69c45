import type { Config } from '../config/config.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { MaintenanceRepository } from '../incidents/maintenance-repository.ts';
import type { Component } from '../incidents/types.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { classifyStatuspageError, statuspageCaller } from './mirror.ts';
import { StatuspageError, StatuspageErrorCode } from './statuspage-error.ts';

/**
 * Mirrors maintenance windows to Atlassian Statuspage, where a scheduled maintenance is an incident
 * with `scheduled_for`/`scheduled_until`: the first step creates it, each later step patches its
 * status and components. Statuspage's own automatic transitions are off: ours move it, once each.
 */
export function statuspageMaintenanceHandlers(deps: {
  config: Config['statuspage'];
  maintenances: MaintenanceRepository;
  components: Component[];
  timeoutMs?: number;
}): Record<string, EffectHandler> {
  const call = statuspageCaller(deps.config, deps.timeoutMs);
  const mapped = new Map(deps.components.filter((c) => c.statuspage_id).map((c) => [c.id, c.statuspage_id!]));
  type SpIncident = { id?: string; name?: string; incident_updates?: { body?: string; status?: string }[] };
  return {
    [EffectKind.StatuspageMaintenance]: {
      lane: 'statuspage',
      classify: classifyStatuspageError,
      async deliver(row) {
        const m = deps.maintenances.get(Number(row.payload.maintenanceId));
        const update = deps.maintenances.getUpdate(Number(row.payload.updateId));
        if (!m || !update)
          throw new StatuspageError(
            StatuspageErrorCode.UpdateGone,
            `maintenance update ${String(row.payload.updateId)} is gone`,
          );
        const ids = m.components.filter((c) => mapped.has(c)).map((c) => mapped.get(c)!);
        const componentStatus = update.status === 'in_progress' ? 'under_maintenance' : 'operational';
        const components = Object.fromEntries(ids.map((id) => [id, componentStatus]));
        const name = withoutSlackMentions(m.name);
        const body = withoutSlackMentions(update.body);
        if (m.statuspageId) {
          const path = `/incidents/${encodeURIComponent(m.statuspageId)}`;
          if (row.uncertain) {
            const there = ((await call('GET', path)) as SpIncident).incident_updates?.[0];
            if (there?.body === body && there.status === update.status)
              return { result: { statuspage_id: m.statuspageId, found: update.id } };
          }
          await call('PATCH', path, { incident: { status: update.status, body, components } });
          return { result: { statuspage_id: m.statuspageId, patched: update.id } };
        }
        const earlier = row.uncertain
          ? ((await call('GET', '/incidents/scheduled')) as SpIncident[]).find((i) => i.name === name)?.id
          : undefined;
        const created = earlier
          ? { id: earlier }
          : ((await call('POST', '/incidents', {
              incident: {
                name,
                status: update.status,
                body,
                impact_override: 'maintenance',
                scheduled_for: new Date(m.scheduledFor).toISOString(),
                scheduled_until: new Date(m.scheduledUntil).toISOString(),
                scheduled_remind_prior: false,
                scheduled_auto_in_progress: false,
                scheduled_auto_completed: false,
                components,
                component_ids: ids,
              },
            })) as SpIncident);
        const id = String(created.id);
        return {
          result: { statuspage_id: id, created: update.id },
          commit: () => deps.maintenances.setStatuspageId(m.id, id),
        };
      },
    },
  };
}
