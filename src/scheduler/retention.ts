import { schedule, type ScheduledTask } from 'node-cron';
import type { Logger } from '../logger.ts';
import type { OutboxRepository } from '../outbox/repository.ts';
import type { InboxRepository } from '../inbox/repository.ts';

/**
 * Once an hour: forgets delivered outbox rows and seen webhook ids older than the retention. Both
 * only guard against repeats (a redelivery, a retry); vendors stop retrying within hours, so days
 * of memory are plenty, and the tables stay small. Pending and dead rows are never pruned.
 */
export function startRetentionJob(deps: { outbox: OutboxRepository; inbox: InboxRepository; retentionDays: number; now: () => number }, log: Logger): { stop(): Promise<void>; runOnce(): { outbox: number; inbox: number } } {
  const runOnce = () => {
    const before = deps.now() - deps.retentionDays * 86_400_000;
    return { outbox: deps.outbox.pruneDelivered(before), inbox: deps.inbox.prune(before) };
  };
  const task: ScheduledTask = schedule(
    '17 * * * *',
    () => {
      try {
        const pruned = runOnce();
        if (pruned.outbox + pruned.inbox > 0) log.info({ pruned }, 'pruned old delivered effects and webhook ids');
      } catch (error) {
        log.error({ err: error }, 'retention run failed');
      }
    },
    { name: 'retention', noOverlap: true, unref: true },
  );
  return { stop: async () => void (await task.destroy()), runOnce };
}
