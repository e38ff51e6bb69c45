import { Counter, Histogram, type Registry, type RegistryContentType } from 'prom-client';
import type { InsightsRepository } from './insights-repository.ts';

/** From a minute to a day: where acknowledging and resolving times fall. */
const BUCKETS = [60, 300, 600, 900, 1800, 3600, 7200, 14_400, 28_800, 86_400];
const BATCH = 5000;

/**
 * Time to acknowledge and resolve as Prometheus histograms, and incidents declared and pages received
 * as counters, fed from the append-only timeline: each scrape reads only the events after the last one
 * it saw. A fresh process starts from event 0, so after a restart every series is rebuilt from the
 * database exactly (nothing counted twice, nothing lost while the bot was down).
 */
export function registerInsightsMetrics(
  registry: Registry<RegistryContentType>,
  repo: Pick<InsightsRepository, 'metricEvents'>,
): void {
  let cursor = 0;
  const tta = new Histogram({
    name: 'incident_bot_time_to_acknowledge_seconds',
    help: 'From an incident starting to its first acknowledgement, by severity and source',
    labelNames: ['severity', 'source'],
    buckets: BUCKETS,
    registers: [registry],
    // The first of the four to be written: every one of them is brought up to date here, before any is read.
    collect: catchUp,
  });
  const ttr = new Histogram({
    name: 'incident_bot_time_to_resolve_seconds',
    help: 'From an incident starting to its first resolution, by severity and source',
    labelNames: ['severity', 'source'],
    buckets: BUCKETS,
    registers: [registry],
  });
  const declared = new Counter({
    name: 'incident_bot_incidents_declared_total',
    help: 'Incidents opened (declared in chat, or by a page), by severity and source',
    labelNames: ['severity', 'source'],
    registers: [registry],
  });
  const pages = new Counter({
    name: 'incident_bot_pages_received_total',
    help: 'Pages received (each one that opened or joined an incident), by source',
    labelNames: ['source'],
    registers: [registry],
  });
  const OBSERVE: Record<string, (e: ReturnType<typeof repo.metricEvents>[number]) => void> = {
    declared: (e) => declared.inc({ severity: e.severity, source: e.source }),
    paged: (e) => {
      declared.inc({ severity: e.severity, source: e.source });
      pages.inc({ source: e.source });
    },
    linked: (e) => pages.inc({ source: e.source }),
    acknowledged: (e) => {
      if (e.first) tta.observe({ severity: e.severity, source: e.source }, Math.max(0, e.at - e.declaredAt) / 1000);
    },
    resolved: (e) => {
      if (e.first) ttr.observe({ severity: e.severity, source: e.source }, Math.max(0, e.at - e.declaredAt) / 1000);
    },
  };
  function catchUp(): void {
    for (;;) {
      const batch = repo.metricEvents(cursor, BATCH);
      for (const e of batch) OBSERVE[e.kind]?.(e);
      if (batch.length > 0) cursor = batch.at(-1)!.id;
      if (batch.length < BATCH) return;
    }
  }
}
