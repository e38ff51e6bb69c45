import type { StorageGuard } from '../db/storage-health.ts';
import type { IncidentService } from '../incidents/service.ts';
import type { Logger } from '../lib/logger.ts';
import { inSpan, noTracer, withCause, type Tracer } from '../lib/telemetry.ts';
import { startGuardedJob, type RunningJob } from './guarded-job.ts';
import type { JobLeases } from './job-lease.ts';

/**
 * Every 30 seconds: overdue-update reminders, vacant-comms-lead calls and looks at on-call schedules. The tick only asks the
 * domain what is due; due times live in the database, so a restart neither loses nor repeats one.
 * While the database cannot be written the tick is skipped (the storage logs that once); a reminder
 * due meanwhile is still due at the first tick after a write succeeds again. With several replicas the
 * tick runs on the one holding its lease (`also.leases`).
 */
export function startReminderJob(
  incidents: IncidentService,
  log: Logger,
  storage?: StorageGuard,
  tracer: Tracer = noTracer,
  /** Reminders kept outside the incident domain, each returning how many it queued. */
  also: { openReports?: () => number; leases?: JobLeases } = {},
): RunningJob {
  const tick = () =>
    withCause({ source: 'scheduler', request_id: `reminders-${Date.now()}` }, () =>
      inSpan(tracer, 'job.reminders', {}, tickNow),
    );
  const tickNow = () => {
    const sent = incidents.sendReminders();
    if (sent > 0) log.info({ event: 'reminders.queued', sent }, 'reminders queued');
    // Followed on-call schedules, for a change of shift (each incident's look is due on its own clock).
    // Automations on timers (unacknowledged, update_overdue): due times come from the incidents as stored.
    const fired = incidents.fireTimers();
    if (fired > 0) log.info({ event: 'automations.fired', fired }, 'timed automations fired');
    // Report pull requests still open N days after resolution: claimed per incident, so reminded once.
    const prs = also.openReports?.() ?? 0;
    if (prs > 0) log.info({ event: 'pr_reminders.queued', sent: prs }, 'open report pull request reminders queued');
    const looks = incidents.checkShifts();
    if (looks > 0) log.debug({ event: 'shifts.due', looks }, 'on-call schedules to look at');
  };
  return startGuardedJob(
    { name: 'reminders', cron: '*/30 * * * * *', periodMs: 30_000, run: tick, failed: 'reminder tick failed' },
    log,
    storage,
    also.leases,
  );
}
