import { describe, expect, it } from 'vitest';
import { startTelemetry, tracingSettings } from '../../src/app/telemetry.ts';
import { ConfigError } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';

describe('tracing is configured by the standard OTEL_* variables', () => {
  it.each([
    [{}, null],
    [{ OTEL_SERVICE_NAME: 'bot', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }, null],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318' }, { protocol: 'http/protobuf' }],
    [
      {
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://collector:4318/v1/traces',
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      },
      { protocol: 'http/json' },
    ],
    [{ OTEL_TRACES_EXPORTER: 'otlp' }, { protocol: 'http/protobuf' }],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_SDK_DISABLED: 'true' }, null],
    [{ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318', OTEL_TRACES_EXPORTER: 'none' }, null],
  ])('%j → %j', (env, expected) => expect(tracingSettings(env)).toEqual(expected));

  it('refuses a protocol it cannot speak, naming the variable and what it can', () => {
    const env = { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4317', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' };
    expect(() => tracingSettings(env)).toThrow(ConfigError);
    expect(() => tracingSettings(env)).toThrow(
      'OTEL_EXPORTER_OTLP_PROTOCOL=grpc is not supported: use http/protobuf (the default) or http/json',
    );
  });

  it('starts no exporter when none is asked for', async () => {
    const telemetry = startTelemetry({ OTEL_SERVICE_NAME: 'bot' }, createLogger('silent'));
    expect(telemetry.exporter).toBeUndefined();
    expect(telemetry.tracer.startSpan('x').isRecording()).toBe(false);
    await telemetry.shutdown();
  });
});
