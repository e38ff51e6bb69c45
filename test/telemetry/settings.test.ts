import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { startTelemetry, tracingSettings } from '../../src/app/telemetry.ts';
import { ConfigError } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { tempDir } from '../helpers/test-bot.ts';

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
    const telemetry = await startTelemetry({ OTEL_SERVICE_NAME: 'bot' }, createLogger('silent'));
    expect(telemetry.exporter).toBeUndefined();
    expect(telemetry.tracer.startSpan('x').isRecording()).toBe(false);
    await telemetry.shutdown();
  });
});

describe('with tracing off, the OpenTelemetry SDK is never loaded', () => {
  const ROOT = fileURLToPath(new URL('../..', import.meta.url));
  /** The @opentelemetry packages a fresh process loads to start telemetry with `env`, as a module loader hook sees them. */
  async function packagesLoaded(env: Record<string, string>): Promise<string[]> {
    const tmp = tempDir();
    const log = join(tmp.dir, 'loaded.txt');
    const hooks = [
      "import { appendFileSync } from 'node:fs';",
      'let file;',
      'export function initialize(data) { file = data.file; }',
      'export async function resolve(specifier, context, next) {',
      '  const resolved = await next(specifier, context);',
      "  appendFileSync(file, resolved.url + '\\n');",
      '  return resolved;',
      '}',
    ].join('\n');
    const script = [
      "import { register } from 'node:module';",
      `register('data:text/javascript,' + encodeURIComponent(${JSON.stringify(hooks)}), { data: { file: ${JSON.stringify(log)} } });`,
      "const { startTelemetry } = await import('./src/app/telemetry.ts');",
      "const { createLogger } = await import('./src/lib/logger.ts');",
      `const telemetry = await startTelemetry(${JSON.stringify(env)}, createLogger('silent'));`,
      'await telemetry.shutdown();',
    ].join('\n');
    try {
      const run = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: ROOT,
        encoding: 'utf8',
      });
      expect(run.status, run.stderr).toBe(0);
      const urls = readFileSync(log, 'utf8').split('\n');
      return [...new Set(urls.map((u) => /node_modules\/(@opentelemetry\/[^/]+)\//.exec(u)?.[1]).filter(Boolean))]
        .map(String)
        .sort();
    } finally {
      tmp.cleanup();
    }
  }

  it('loads only the API, the context manager and the propagator (the SDK, exporters and instrumentations weigh 20 MB)', async () => {
    expect(await packagesLoaded({ OTEL_SERVICE_NAME: 'bot' })).toEqual([
      '@opentelemetry/api',
      '@opentelemetry/context-async-hooks',
      '@opentelemetry/core',
    ]);
  }, 60_000);

  it('loads the SDK when an endpoint asks for tracing', async () => {
    expect(await packagesLoaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toEqual(
      expect.arrayContaining(['@opentelemetry/sdk-trace-node', '@opentelemetry/exporter-trace-otlp-proto']),
    );
  }, 60_000);
});
