/**
 * What tracing costs a page: page → 202 and page → pinned summary (0 ms fakes), three ways in turn:
 * as before issue 24 (no async context at all), tracing off (the default: only the async context
 * that carries a change's cause into its outbox rows), and tracing on, exporting OTLP/JSON to a
 * local receiver. With tracing on, the fakes (in this process) are instrumented too, so its figure
 * is an upper bound.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { context } from '@opentelemetry/api';
import { pagedBenchBot } from '../lib/bot.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

type Mode = 'no async context (before)' | 'tracing off (default)' | 'tracing on, OTLP/JSON';

export const tracing: Suite = {
  name: 'tracing',
  async run(opts) {
    const samples = opts.quick ? 30 : 200;
    const receiver = await otlpSink();
    try {
      // "Before" after "off": it takes the context manager away (the next start registers it again).
      // "On" last: its instrumentations patch node:http in this process until its app stops.
      return [
        ...(await measure('tracing off (default)', samples)),
        ...(await measure('no async context (before)', samples)),
        ...(await measure('tracing on, OTLP/JSON', samples, receiver.url)),
      ];
    } finally {
      await receiver.stop();
    }
  },
};

/** Accepts OTLP exports and throws them away. */
async function otlpSink() {
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => res.writeHead(200, { 'content-type': 'application/json' }).end('{}'));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    stop: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))),
  };
}

async function measure(mode: Mode, samples: number, endpoint?: string): Promise<Figure[]> {
  const otel = { OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' };
  if (endpoint) Object.assign(process.env, otel);
  const { pd, bot } = await pagedBenchBot();
  for (const key of Object.keys(otel)) delete process.env[key];
  // Before issue 24 nothing registered a context manager: take it away again for that baseline.
  if (mode === 'no async context (before)') context.disable();
  const ack: number[] = [];
  const staffed: number[] = [];
  try {
    for (let i = 0; i < samples + 10; i++) {
      const page = pd.createIncident({ title: `Trace page ${i}`, assignees: [{ id: `PBENCH${i % 4}`, name: 'u' }] });
      const pinned = bot.slack.waitFor(
        (c) =>
          c.method === 'pins.add' &&
          c.ok &&
          bot.slack.ws.channels.get(String(c.args.channel))?.name.includes(`trace-page-${i}`) === true,
        10_000,
      );
      const t0 = performance.now();
      const res = await pd.trigger(page);
      const acked = performance.now() - t0;
      if (res.status !== 202) throw new Error(`trigger answered ${res.status}`);
      await pinned;
      // The first ten warm up (JIT, prepared statements, connections).
      if (i >= 10) (ack.push(acked), staffed.push(performance.now() - t0));
    }
  } finally {
    await bot.stop();
    await pd.stop();
  }
  return [
    summarise('tracing', `webhook → 202, ${mode}`, 'ms', ack),
    summarise('tracing', `page → pinned summary, ${mode}`, 'ms', staffed),
  ];
}
