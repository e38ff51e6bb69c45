/**
 * The OpenTelemetry SDK, loaded only when tracing is on (see startTelemetry): the exporter, the
 * tracer provider and the HTTP and undici instrumentations.
 */
import { createRequire } from 'node:module';
import { OTLPTraceExporter as OtlpJsonExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as OtlpProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { UndiciInstrumentation } from '@opentelemetry/instrumentation-undici';
import { detectResources, envDetector, resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider, type SpanExporter } from '@opentelemetry/sdk-trace-node';
import { ATTR_SERVICE_NAME, ATTR_SERVICE_VERSION } from '@opentelemetry/semantic-conventions';
import type { Logger } from '../lib/logger.ts';
import { outgoingUrlAttributes } from './outgoing-url.ts';
import type { Protocol, Telemetry } from './telemetry.ts';

export function startTracing(protocol: Protocol, log: Logger, version: string): Telemetry {
  const exporter: SpanExporter = protocol === 'http/json' ? new OtlpJsonExporter() : new OtlpProtoExporter();
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
    { event: 'tracing.on', protocol, service: resource.attributes[ATTR_SERVICE_NAME] },
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
