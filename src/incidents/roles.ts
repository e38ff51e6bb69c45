import type { IncidentRepository } from './incident-repository.ts';
import type { UserRef } from './types.ts';

/**
 * Why nobody could be named comms lead: nobody to choose from is configured, the on-call schedule
 * named nobody who could be found, or the only person available is the commander (the two roles
 * are kept apart: the comms lead's updates are a job of their own).
 */
export type CommsVacancy = 'none_configured' | 'nobody_on_call' | 'only_commander';

export type CommsPick = { user: UserRef; vacancy: null } | { user: null; vacancy: CommsVacancy };

/**
 * Picks the communications lead: the first person the on-call schedule names, otherwise the next
 * person in the configured rotation; never the commander. Nobody left: the role stays vacant, and why.
 */
export function pickCommsLead(
  repo: IncidentRepository,
  opts: { scheduled: UserRef[]; rotation: UserRef[]; commander: UserRef | null; followsSchedule: boolean },
): CommsPick {
  const available = (u: UserRef) => u !== opts.commander;
  const scheduled = opts.scheduled.find(available);
  if (scheduled) return { user: scheduled, vacancy: null };
  const pool = opts.rotation.filter(available);
  if (pool.length > 0) return { user: pool[repo.nextInRotation('comms', pool.length)]!, vacancy: null };
  if (opts.scheduled.length > 0 || opts.rotation.length > 0) return { user: null, vacancy: 'only_commander' };
  return { user: null, vacancy: opts.followsSchedule ? 'nobody_on_call' : 'none_configured' };
}
