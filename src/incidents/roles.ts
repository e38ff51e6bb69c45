import type { IncidentRepository } from './incident-repository.ts';
import type { UserRef } from './types.ts';

/**
 * Picks the communications lead: the first candidate from an on-call schedule if any, otherwise the
 * next person in the configured rotation. Never the commander while someone else is available.
 */
export function pickCommsLead(
  repo: IncidentRepository,
  opts: { scheduled: UserRef[]; rotation: UserRef[]; commander: UserRef | null },
): UserRef | null {
  const notCommander = (u: UserRef) => u !== opts.commander;
  const scheduled = opts.scheduled.find(notCommander);
  if (scheduled) return scheduled;
  const pool = opts.rotation.filter(notCommander);
  if (pool.length > 0) return pool[repo.nextInRotation('comms', pool.length)]!;
  return opts.scheduled[0] ?? opts.rotation[0] ?? null;
}
