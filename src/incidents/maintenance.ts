import type { Db } from '../db/open.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { NewEffect } from '../outbox/types.ts';
import { maintenanceChannelEffect, maintenanceEffect } from './effect-kinds.ts';
import type { MaintenanceRepository } from './maintenance-repository.ts';
import { MAINTENANCE_STATUSES, type Maintenance, type MaintenanceStatus } from './maintenance-types.ts';
import type { Actor, Permissions, Principal } from './permissions.ts';
import type { Component } from './types.ts';

/** What customers read at each step unless someone wrote otherwise (Statuspage's own default words). */
const STEP_TEXT: Record<Exclude<MaintenanceStatus, 'scheduled'>, string> = {
  in_progress: 'Scheduled maintenance is currently in progress. We will provide updates as necessary.',
  verifying: 'Verification is currently underway for the maintenance items.',
  completed: 'The scheduled maintenance has been completed.',
};
/** How long a window is verified after its end before it is completed by itself. */
export const VERIFY_MS = 15 * 60_000;
/** Windows are planned, not open-ended: at most a year ahead and a week long. */
const MAX_AHEAD_MS = 366 * 86_400_000;
const MAX_LENGTH_MS = 7 * 86_400_000;
export const MAINTENANCE_NAME_MAX = 100;
export const MAINTENANCE_BODY_MAX = 2000;

export interface MaintenanceServiceDeps {
  db: Db;
  maintenances: MaintenanceRepository;
  outbox: OutboxRepository;
  now: () => number;
  components: Component[];
  mirrorStatuspage: boolean;
  /** Who may schedule and complete windows (`status_page.maintenance`). */
  who: Principal[];
  permissions: Permissions;
  /** More effects for each public step (outbound webhooks), beside the mirror. */
  publicEffects?: (m: Maintenance, updateId: number) => NewEffect[];
  onEffectsEnqueued: () => void;
  /** Called after every change has committed (the status page records its components' history). */
  onCommitted?: () => void;
}

export interface ScheduleInput {
  name: string;
  body: string;
  scheduledFor: number;
  scheduledUntil: number;
  components: string[];
  /** Open a Slack channel for the window (none unless asked). */
  channel?: boolean;
}

/** Where a window should be at `now`, from its times alone: what makes the scheduler restart-safe. */
export function dueStatus(m: Pick<Maintenance, 'scheduledFor' | 'scheduledUntil'>, now: number): MaintenanceStatus {
  if (now < m.scheduledFor) return 'scheduled';
  if (now < m.scheduledUntil) return 'in_progress';
  if (now < m.scheduledUntil + VERIFY_MS) return 'verifying';
  return 'completed';
}

const dueAt = (m: Maintenance, status: MaintenanceStatus): number =>
  ({
    scheduled: m.createdAt,
    in_progress: m.scheduledFor,
    verifying: m.scheduledUntil,
    completed: m.scheduledUntil + VERIFY_MS,
  })[status];

/**
 * Planned maintenance windows. Not incidents: no roles or paging, and a channel only when asked for; each status step is
 * one transaction with the update customers read and its effects (the Statuspage mirror).
 */
export class MaintenanceService {
  constructor(readonly deps: MaintenanceServiceDeps) {}

  /** Refuses someone who may not schedule windows (before a form is opened for them). */
  check(actor: Actor): void {
    this.authorize(actor, 'schedule maintenance');
  }

  schedule(input: ScheduleInput, actor: Actor): Maintenance {
    this.authorize(actor, 'schedule maintenance');
    const now = this.deps.now();
    const known = new Set(this.deps.components.map((c) => c.id));
    const unknown = input.components.filter((c) => !known.has(c));
    if (unknown.length > 0)
      throw new UserError(
        ErrorCode.BadArgument,
        `No such component: ${unknown.join(', ')}. The status page lists: ${[...known].join(', ') || 'none'}.`,
      );
    if (!(input.scheduledUntil > input.scheduledFor))
      throw new UserError(ErrorCode.BadArgument, 'A maintenance window must end after it starts.');
    if (input.scheduledUntil <= now)
      throw new UserError(ErrorCode.BadArgument, 'That window is already over: give an end in the future.');
    if (input.scheduledFor > now + MAX_AHEAD_MS)
      throw new UserError(ErrorCode.BadArgument, 'A maintenance window starts at most a year ahead.');
    if (input.scheduledUntil - input.scheduledFor > MAX_LENGTH_MS)
      throw new UserError(ErrorCode.BadArgument, 'A maintenance window lasts at most 7 days.');
    if (!input.name.trim() || input.name.length > MAINTENANCE_NAME_MAX || input.body.length > MAINTENANCE_BODY_MAX)
      throw new UserError(
        ErrorCode.BadArgument,
        `Say what the maintenance is (at most ${MAINTENANCE_BODY_MAX} characters).`,
      );
    const components = [...new Set(input.components)];
    const id = this.transact((effects) => {
      const wantsChannel = input.channel === true;
      const id = this.deps.maintenances.add({ ...input, components, createdBy: actor.id, wantsChannel }, now);
      if (wantsChannel) effects.push(maintenanceChannelEffect(id, null));
      this.step(this.deps.maintenances.get(id)!, 'scheduled', input.body, now, effects);
      return id;
    });
    this.advance();
    return this.deps.maintenances.get(id)!;
  }

  /** Ends a window now (the work finished early, or verification is done), whatever its times say. */
  complete(id: number, actor: Actor, body?: string): Maintenance {
    this.authorize(actor, 'complete maintenance');
    const m = this.deps.maintenances.get(id);
    if (!m) throw new UserError(ErrorCode.NotFound, `There is no maintenance #${id}.`);
    if (m.status === 'completed') throw new UserError(ErrorCode.Conflict, `Maintenance #${id} is already completed.`);
    const now = this.deps.now();
    this.transact((effects) => this.step(m, 'completed', body || STEP_TEXT.completed, now, effects));
    return this.deps.maintenances.get(id)!;
  }

  /**
   * Moves every open window to where its times say it should be, one step at a time, each dated
   * when it was due: after a restart the missed steps are all recorded, once each.
   */
  advance(): number {
    const now = this.deps.now();
    let moved = 0;
    for (const m of this.deps.maintenances.open()) {
      const from = MAINTENANCE_STATUSES.indexOf(m.status);
      const to = MAINTENANCE_STATUSES.indexOf(dueStatus(m, now));
      if (to <= from) continue;
      this.transact((effects) => {
        // Re-read inside the transaction: a command may have completed it meanwhile.
        const current = this.deps.maintenances.get(m.id)!;
        for (let i = MAINTENANCE_STATUSES.indexOf(current.status) + 1; i <= to; i++) {
          const status = MAINTENANCE_STATUSES[i]!;
          this.step(
            current,
            status,
            STEP_TEXT[status as keyof typeof STEP_TEXT],
            Math.min(dueAt(current, status), now),
            effects,
          );
          moved++;
        }
      });
    }
    return moved;
  }

  list(): Maintenance[] {
    return this.deps.maintenances.open();
  }

  private step(m: Maintenance, status: MaintenanceStatus, body: string, at: number, effects: NewEffect[]): void {
    if (status !== 'scheduled') this.deps.maintenances.setStatus(m.id, status, at);
    const updateId = this.deps.maintenances.addUpdate({ maintenanceId: m.id, status, body, at });
    if (this.deps.mirrorStatuspage) effects.push(maintenanceEffect(m.id, updateId));
    effects.push(...(this.deps.publicEffects?.(m, updateId) ?? []));
    // Every step, the first (its summary) included, is posted in the window's channel when it has one.
    if (m.wantsChannel) effects.push(maintenanceChannelEffect(m.id, updateId));
  }

  private authorize(actor: Actor, what: string): void {
    const standing = { incident: { id: 0, declaredBy: '' }, roles: [] };
    if (!this.deps.permissions.allows(this.deps.who, actor, standing))
      throw new UserError(
        ErrorCode.Forbidden,
        `You may not ${what}: the settings' status_page.maintenance names who may.`,
      );
  }

  private transact<T>(fn: (effects: NewEffect[]) => T): T {
    const { db, outbox } = this.deps;
    // Asked once committed (see `queueAll`).
    let queued = () => 0;
    const at = this.deps.now();
    const result = db.transaction(() => {
      const effects: NewEffect[] = [];
      const value = fn(effects);
      queued = outbox.queueAll(effects, at);
      return value;
    })();
    if (queued() > 0) this.deps.onEffectsEnqueued();
    this.deps.onCommitted?.();
    return result;
  }
}
