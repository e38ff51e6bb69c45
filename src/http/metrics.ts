import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics, type RegistryContentType } from 'prom-client';
import type { Route } from './server.ts';
import type { IncidentRepository } from '../incidents/incident-repository.ts';
import { SEVERITIES } from '../incidents/types.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import type { Outcome } from '../outbox/worker.ts';
import { traceExemplar } from '../lib/telemetry.ts';
import { LOG_BUFFER_LIMIT } from '../lib/log-output.ts';

export interface Metrics {
  registry: Registry<RegistryContentType>;
  /**
   * One HTTP request, by route pattern (never the raw path: ids would explode the series); `exemplar`
   * is the request's trace (its span is over by the time the response has finished).
   */
  request(route: string, method: string, status: number, seconds: number, exemplar?: Record<string, string>): void;
  command(verb: string, outcome: 'ok' | 'user_error' | 'bug', seconds: number): void;
  /** `covered`: settled without a call of its own, by the delivery of a newer row of its kind. */
  delivery(kind: string, outcome: Outcome): void;
}

/**
 * Prometheus metrics (prom-client). Counts and latencies are recorded as things happen; the outbox
 * and incident gauges are read from the database when scraped, so they are never stale.
 */
export function createMetrics(
  repos: {
    outbox: OutboxRepository;
    incidents: IncidentRepository;
    /** The database's volume and whether it takes writes (read when scraped). */
    storage?: { freeBytes(): number | undefined; readonly writable: boolean };
    /** Log lines dropped so far (read when scraped). */
    logDropped?: () => number;
  },
  now: () => number = Date.now,
): Metrics {
  const { outbox, incidents } = repos;
  // OpenMetrics, because only it carries exemplars (trace ids on latency buckets, so a slow bucket
  // leads to its trace); a scraper that does not ask for it gets the Prometheus text as before.
  const registry = new Registry<RegistryContentType>();
  registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
  collectDefaultMetrics({ register: registry, prefix: 'incident_bot_' });
  const requests = new Histogram({
    name: 'incident_bot_http_request_duration_seconds',
    help: 'HTTP requests by route, method and status',
    labelNames: ['route', 'method', 'status'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [registry],
    enableExemplars: true,
  });
  const commands = new Histogram({
    name: 'incident_bot_command_duration_seconds',
    help: 'Slash commands by verb and outcome, until the ack',
    labelNames: ['verb', 'outcome'],
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 3],
    registers: [registry],
    enableExemplars: true,
  });
  const deliveries = new Counter({
    name: 'incident_bot_outbox_deliveries_total',
    help: 'Outbox delivery attempts by effect kind and outcome (covered: settled by a newer row of its kind)',
    labelNames: ['kind', 'outcome'],
    registers: [registry],
  });
  new Gauge({
    name: 'incident_bot_outbox_depth',
    help: 'Effects due and not yet delivered',
    registers: [registry],
    collect() {
      this.set(outbox.dueDepth(now()));
    },
  });
  new Gauge({
    name: 'incident_bot_outbox_oldest_due_seconds',
    help: 'How long the oldest due effect has been waiting (0 when none)',
    registers: [registry],
    collect() {
      const oldest = outbox.dueBacklog(now()).oldestDue;
      this.set(oldest === null ? 0 : Math.max(0, (now() - oldest) / 1000));
    },
  });
  new Gauge({
    name: 'incident_bot_outbox_dead',
    help: 'Effects given up on (see the logs and the outbox table)',
    registers: [registry],
    collect() {
      this.set(outbox.deadCount());
    },
  });
  new Gauge({
    name: 'incident_bot_open_incidents',
    help: 'Open incidents by severity',
    labelNames: ['severity'],
    registers: [registry],
    collect() {
      this.reset();
      for (const sev of SEVERITIES) this.set({ severity: sev }, 0);
      for (const r of incidents.openBySeverity()) this.set({ severity: r.severity }, r.n);
    },
  });
  const { storage } = repos;
  if (storage) {
    new Gauge({
      name: 'incident_bot_storage_free_bytes',
      help: "Free space on the database's volume (alert well before it reaches 0)",
      registers: [registry],
      collect() {
        const free = storage.freeBytes();
        if (free !== undefined) this.set(free);
      },
    });
    new Gauge({
      name: 'incident_bot_storage_writable',
      help: 'Whether the database takes writes (0 from a storage error until a probe write succeeds)',
      registers: [registry],
      collect() {
        this.set(storage.writable ? 1 : 0);
      },
    });
  }
  const { logDropped } = repos;
  if (logDropped) {
    let counted = 0;
    new Counter({
      name: 'incident_bot_log_lines_dropped_total',
      help: `Log lines dropped: the reader of stdout fell ${LOG_BUFFER_LIMIT} characters behind or went away, or a write failed`,
      registers: [registry],
      collect() {
        const dropped = logDropped();
        this.inc(dropped - counted);
        counted = dropped;
      },
    });
  }
  return {
    registry,
    request: (route, method, status, seconds, exemplar = {}) =>
      requests.observe({ labels: { route, method, status: String(status) }, value: seconds, exemplarLabels: exemplar }),
    command: (verb, outcome, seconds) =>
      commands.observe({ labels: { verb, outcome }, value: seconds, exemplarLabels: traceExemplar() }),
    delivery: (kind, outcome) => deliveries.inc({ kind, outcome }),
  };
}

/**
 * `GET /metrics`: OpenMetrics (with exemplars) when the scraper's Accept asks for it, as Prometheus
 * does when it can use exemplars; Prometheus' text format otherwise. The registry has one format
 * at a time, so scrapes are rendered one after the other.
 */
export const metricsRoute = (metrics: Metrics): Route => {
  let last: Promise<unknown> = Promise.resolve();
  const render = async (openMetrics: boolean) => {
    const { registry } = metrics;
    registry.setContentType(openMetrics ? Registry.OPENMETRICS_CONTENT_TYPE : Registry.PROMETHEUS_CONTENT_TYPE);
    return { type: registry.contentType as string, text: await registry.metrics() };
  };
  return {
    method: 'GET',
    path: '/metrics',
    handle: async (req, res) => {
      const openMetrics = /application\/openmetrics-text/i.test(String(req.headers.accept ?? ''));
      const rendered = last.then(() => render(openMetrics));
      last = rendered.catch(() => undefined);
      const { type, text } = await rendered;
      res.writeHead(200, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(text);
    },
  };
};
