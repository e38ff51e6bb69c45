import type { StorageGuard } from '../db/storage-health.ts';
import type { AuditRepository } from '../audit/audit-repository.ts';
import type { Logger } from '../lib/logger.ts';
import { inSpan, noTracer, type Tracer } from '../lib/telemetry.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { InboxRepository } from '../inbox/inbox-repository.ts';
import type { SeenRequestRepository } from '../inbox/seen-requests.ts';
import { startGuardedJob, type RunningJob } from './guarded-job.ts';
import type { JobLeases } from './job-lease.ts';

interface RetentionDeps {
  outbox: OutboxRepository;
  inbox: InboxRepository;
  seenRequests: SeenRequestRepository;
  /** How long a request signature stays acceptable: seen signatures are kept that long, and a minute more. */
  signatureWindowMs: number;
  retentionDays: number;
  /** The audit log, kept longer than the rest (`audit.retention_days`). */
  audit?: { repo: Pick<AuditRepository, 'prune'>; retentionDays: number };
  now: () => number;
  /** Pruning deletes, so it needs the disk to take a write too; it is not skipped while full, because it frees pages. */
  storage?: StorageGuard;
  tracer?: Tracer;
  /** With several replicas: the round runs on the one holding its lease. */
  leases?: JobLeases;
}

/**
 * Once an hour: forgets delivered outbox rows and seen webhook ids older than the retention. Both
 * only guard against repeats (a redelivery, a retry); vendors stop retrying within hours, so days
 * of memory are plenty, and the tables stay small. Pending and dead rows are never pruned. Seen
 * request signatures go once their window has passed: a signature that old is refused anyway.
 * Audit records go after their own, longer retention (`audit.retention_days`).
 */
export function startRetentionJob(
  deps: RetentionDeps,
  log: Logger,
): RunningJob & { runOnce(): { outbox: number; inbox: number; requests: number; audit: number } } {
  const runOnce = () => {
    const before = deps.now() - deps.retentionDays * 86_400_000;
    return {
      outbox: deps.outbox.pruneDelivered(before),
      inbox: deps.inbox.prune(before),
      requests: deps.seenRequests.prune(deps.now() - deps.signatureWindowMs - 60_000),
      audit: deps.audit ? deps.audit.repo.prune(deps.now() - deps.audit.retentionDays * 86_400_000) : 0,
    };
  };
  const run = () => {
    const pruned = inSpan(deps.tracer ?? noTracer, 'job.retention', {}, runOnce);
    if (pruned.outbox + pruned.inbox + pruned.requests + pruned.audit > 0)
      log.info(
        { event: 'retention.pruned', pruned },
        'pruned old delivered effects, webhook ids and request signatures',
      );
  };
  const job = startGuardedJob(
    {
      name: 'retention',
      cron: '17 * * * *',
      periodMs: 3_600_000,
      run,
      failed: 'retention run failed',
      whileFull: true,
    },
    log,
    deps.storage,
    deps.leases,
  );
  return { ...job, runOnce };
}
