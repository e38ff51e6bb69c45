import { createRequire } from 'node:module';
import { context, propagation, type Tracer } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import { ConfigError } from '../config/config.ts';
import type { Logger } from '../lib/logger.ts';
import { noTracer } from '../lib/telemetry.ts';

export interface Telemetry {
  /** Every span the bot makes comes from this tracer: a real one, or one that records nothing. */
  tracer: Tracer;
  /** The OTLP exporter, when tracing is on (absent otherwise: nothing is sent anywhere). */
  exporter?: SpanExporter;
  /** Sends what is buffered and stops the exporter and the instrumentations. */
  shutdown(): Promise<void>;
}

const PROTOCOLS = ['http/protobuf', 'http/json'] as const;
type Protocol = (typeof PROTOCOLS)[number];

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
 * endpoint is set: then no exporter, no provider and no instrumentation start.
 */
export function startTelemetry(env: Record<string, string | undefined>, log: Logger, version = '0.1.0'): Telemetry {
  registerContext();
  const settings = tracingSettings(env);
  if (!settings) {
    log.info({ event: 'tracing.off' }, 'tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)');
    return { tracer: noTracer, shutdown: async () => {} };
  }
  const exporter: SpanExporter = settings.protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtoExporter();
  const resource = resourceFromAttributes({ [ATTR_SERVICE_NAME]: 'incident-bot', [ATTR_SERVICE_VERSION]: version })
    // OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over the defaults.
    .merge(detectResources({ detectors: [envDetector] }));
  const provider = new NodeTracerProvider({ resource, spanProcessors: [new BatchSpanProcessor(exporter)] });
  // Vendor calls: Slack's WebClient, Octokit and the Statuspage mirror use fetch (undici); pdjs uses
  // node-fetch over node:http, which the HTTP instrumentation also sees, along with incoming requests.
  const unregister = registerInstrumentations({
    tracerProvider: provider,
    instrumentations: [
      new HttpInstrumentation({
        // node-fetch's requests are the only outgoing node:http ones worth a span; probes and scrapes are noise.
        ignoreIncomingRequestHook: (req) => /^\/(healthz|readyz|metrics)\b/.test(req.url ?? ''),
      }),
      new UndiciInstrumentation({ startSpanHook: (request) => outgoingUrlAttributes(request.origin, request.path) }),
    ],
  });
  // The HTTP instrumentation patches node:http when it is next required; under ESM it was loaded
  // before this ran, so require it once more (the patch replaces the shared module's functions in place).
  const require = createRequire(import.meta.url);
  require('node:http');
  require('node:https');
  log.info(
    { event: 'tracing.on', protocol: settings.protocol, service: resource.attributes[ATTR_SERVICE_NAME] },
    'tracing on: spans exported over OTLP',
  );
  return {
    tracer: provider.getTracer('incident-bot', version),
    exporter,
    shutdown: async () => {
      unregister();
      await provider.shutdown();
    },
  };
}

/** A Slack Web API method's path (`/api/chat.postMessage`): names the call, carries no secret. */
const API_METHOD_PATH = /^\/api\/[A-Za-z][\w.]{0,100}$/;

/**
 * What an outgoing call's span may say of its URL. Operators' status webhook URLs carry their secret
 * in the path (Slack's `hooks.slack.com/services/…`) or the query, and upload URLs carry one too: a
 * span keeps the origin, and the path only when it is an API method's name; the query never.
 */
export function outgoingUrlAttributes(origin: string, path: string): Record<string, string> {
  const pathname = path.split('?', 1)[0] ?? '';
  const shown = API_METHOD_PATH.test(pathname) ? pathname : '/[redacted]';
  return { 'url.full': `${origin.replace(/\/+$/, '')}${shown}`, 'url.path': shown, 'url.query': '' };
}
