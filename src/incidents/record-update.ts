import { ErrorCode, UserError } from '../lib/errors.ts';
import type { Change, Core } from './core.ts';
import { statusWebhookEffects, statuspageSyncEffect } from './effect-kinds.ts';
import type { ComponentStatus, Incident, Status, UserRef } from './types.ts';

export interface UpdateOptions {
  /** Published to the status page (and mirrored) as well as posted in the channel. */
  public?: boolean;
  /** Components this update says something about, and their new status. */
  components?: { id: string; status: ComponentStatus }[];
  /** The commander's explicit yes to publishing a private incident for the first time. */
  confirmPrivate?: boolean;
}

/**
 * Nothing of a private incident reaches the status page until its commander says so explicitly;
 * once it is public, its later public updates (and its resolution) follow as for any other.
 */
function requirePublishable(core: Core, incident: Incident, by: UserRef, options: UpdateOptions): void {
  if (!options.public || !incident.private || incident.publicAt !== null) return;
  const commander = core.deps.incidents.roles(incident.id).find((r) => r.role === 'commander')?.userId;
  if (commander !== by) {
    throw new UserError(
      ErrorCode.Forbidden,
      `Incident #${incident.id} is private: only its commander may put it on the status page.`,
    );
  }
  if (!options.confirmPrivate) {
    throw new UserError(
      ErrorCode.Forbidden,
      `Incident #${incident.id} is private: nothing of it goes to the status page unless you confirm. ` +
        'Publish with --public --confirm-private if the public should see it.',
      { action: 'publish' },
    );
  }
}

/**
 * Stores an update with what it says about components; a public one publishes the incident and is
 * mirrored. Updates are never edited: a wrong public update is corrected by the next one.
 */
export function recordUpdate(
  core: Core,
  change: Change,
  incident: Incident,
  status: Status,
  body: string,
  by: UserRef,
  options: UpdateOptions,
): string {
  requirePublishable(core, incident, by, options);
  const { incidents, updates, policy } = core.deps;
  const claimed = options.components ?? [];
  // Read only when the update speaks of components: most do not, and each statement weighs on the ack.
  const before = new Map(claimed.length ? updates.componentStatuses(incident.id).map((c) => [c.id, c.status]) : []);
  const components = claimed.map((c) => ({
    id: c.id,
    old: before.get(c.id) ?? 'operational',
    new: c.status,
  }));
  // Customers' view of components moves only with public updates; an internal one records its claim.
  if (options.public) for (const c of components) updates.setComponentStatus(incident.id, c.id, c.new, change.at);
  const updateId = updates.addUpdate({
    incidentId: incident.id,
    at: change.at,
    status,
    body,
    author: by,
    public: Boolean(options.public),
    components,
  });
  if (options.public) {
    if (incident.publicAt === null) incidents.update(incident.id, { publicAt: change.at }, change.at);
    if (policy.mirrorStatuspage) change.effect(statuspageSyncEffect(incident.id, updateId));
    change.effect(
      ...statusWebhookEffects(policy.statusWebhooks ?? 0, `update:${updateId}`, { incidentId: incident.id }),
    );
  }
  return core.record(change, {
    incidentId: incident.id,
    kind: 'update',
    actor: by,
    body,
    data: { status, public: Boolean(options.public), components },
  });
}
