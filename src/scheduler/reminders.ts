import { schedule, type ScheduledTask } from 'node-cron';
import type { IncidentService } from '../incidents/service.ts';
import type { Logger } from '../lib/logger.ts';
import { inSpan, noTracer, withCause, type Tracer } from '../lib/telemetry.ts';

/**
 * Every 30 seconds: overdue-update reminders and vacant-comms-lead calls. The tick only asks the
 * domain what is due; due times live in the database, so a restart neither loses nor repeats one.
 */
export function startReminderJob(
  incidents: IncidentService,
  log: Logger,
  tracer: Tracer = noTracer,
): { stop(): Promise<void> } {
  const tick = () =>
    withCause({ source: 'scheduler', request_id: `reminders-${Date.now()}` }, () =>
      inSpan(tracer, 'job.reminders', {}, tickNow),
    );
  const tickNow = () => {
    try {
      const sent = incidents.sendReminders();
      if (sent > 0) log.info({ event: 'reminders.queued', sent }, 'reminders queued');
    } catch (error) {
      log.error({ event: 'job.failed', job: 'reminders', err: error }, 'reminder tick failed');
    }
  };
  const task: ScheduledTask = schedule('*/30 * * * * *', tick, { name: 'reminders', noOverlap: true, unref: true });
  return {
    stop: async () => {
      await task.destroy();
    },
  };
}
