import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
// The one file, not the package's index: the index loads the whole of semantic-conventions (hundreds of
// constants), which only the tracing SDK needs and which stays in every idle bot's memory otherwise.
import { W3CTraceContextPropagator } from '@opentelemetry/core/build/src/trace/W3CTraceContextPropagator.js';
import type { SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ConfigError } from '../config/config.ts';
import type { Logger } from '../lib/logger.ts';
import { noTracer } from '../lib/telemetry.ts';

export { outgoingUrlAttributes } from './outgoing-url.ts';

export interface Telemetry {
  /** Every span the bot makes comes from this tracer: a real one, or one that records nothing. */
  tracer: Tracer;
  /** The OTLP exporter, when tracing is on (absent otherwise: nothing is sent anywhere). */
  exporter?: SpanExporter;
  /** Sends what is buffered and stops the exporter and the instrumentations. */
  shutdown(): Promise<void>;
}

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
export type Protocol = (typeof PROTOCOLS)[number];

/** What the standard OTEL_* variables ask for; null when tracing is off. */
export function tracingSettings(env: Record<string, string | undefined>): { protocol: Protocol } | null {
  if (env.OTEL_SDK_DISABLED?.trim().toLowerCase() === 'true') return null;
  const exporter = env.OTEL_TRACES_EXPORTER?.trim().toLowerCase();
  if (exporter === 'none') return null;
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  // Off unless asked for: an endpoint, or `OTEL_TRACES_EXPORTER=otlp` (then the spec's default endpoint).
  if (!endpoint && exporter !== 'otlp') return null;
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ||
    env.OTEL_EXPORTER_OTLP_PROTOCOL ||
    'http/protobuf'
  ).trim();
  if (!(PROTOCOLS as readonly string[]).includes(protocol)) {
    throw new ConfigError([
      `OTEL_EXPORTER_OTLP_PROTOCOL=${protocol.slice(0, 40)} is not supported: use http/protobuf (the default) or http/json`,
    ]);
  }
  return { protocol: protocol as Protocol };
}

/**
 * The async context every request's work runs in. The OpenTelemetry API keeps its context manager
 * (and the propagator its HTTP instrumentation reads incoming `traceparent` headers with) in a
 * process-wide global: there is no other way to hand it one, and AsyncLocalStorage is per process
 * anyway. Registered once, even with tracing off, because the cause of a change (which webhook or
 * command) rides it into the outbox rows and log lines. Everything else (the tracer provider, the
 * exporter, the tracer) stays local and is passed in.
 */
export function registerContext(): void {
  // The API refuses a second registration (several apps in one process: tests, benchmarks).
  const manager = new AsyncLocalStorageContextManager();
  if (context.setGlobalContextManager(manager)) manager.enable();
  propagation.setGlobalPropagator(new W3CTraceContextPropagator());
}

/**
 * Tracing from the standard OTEL_* variables (endpoint, protocol, headers, service name, resource
 * attributes, batch and sampler settings: the exporter and SDK read those themselves). Off when no
 * endpoint is set: then no exporter, no provider and no instrumentation start, and the SDK is not
 * even loaded (its exporters and instrumentations are 20 MB of the bot's idle memory and a tenth
 * of its start).
 */
export async function startTelemetry(
  env: Record<string, string | undefined>,
  log: Logger,
  version = '0.1.0',
): Promise<Telemetry> {
  registerContext();
  const settings = tracingSettings(env);
  if (!settings) {
    log.info({ event: 'tracing.off' }, 'tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)');
    return { tracer: noTracer, shutdown: async () => {} };
  }
  const { startTracing } = await import('./tracing-sdk.ts');
  return startTracing(settings.protocol, log, version);
}
