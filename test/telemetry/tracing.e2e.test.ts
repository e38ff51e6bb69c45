import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { startChildBot, type ChildBot } from '../helpers/child-bot.ts';
import { OtlpReceiver, type ReceivedSpan } from '../helpers/otlp-receiver.ts';
import { ALICE, BOB, PD_ALICE, PD_BOB, pagerDutyEnv, tempDir, testEnv } from '../helpers/test-bot.ts';

const TRACE_ID = '4bf92f3577b34da6a3ce929d0e0e4736';
const INCOMING_TRACEPARENT = `00-${TRACE_ID}-00f067aa0ba902b7-01`;

/** Everything one test needs: fakes, an OTLP receiver, a database, and the bot's environment. */
async function world(otel: boolean) {
  const tmp = tempDir();
  const slack = await new FakeSlack({ users: [ALICE, BOB] }).start();
  const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB] }).start();
  const receiver = await new OtlpReceiver().start();
  const pdEnv = pagerDutyEnv(pd);
  const env = {
    ...testEnv(slack, join(tmp.dir, 'bot.db')),
    ...pdEnv,
    ...(otel
      ? {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
          OTEL_SERVICE_NAME: 'incident-bot-under-test',
          // Spans leave within 50 ms of ending, so what happened before a kill has left before it.
          OTEL_BSP_SCHEDULE_DELAY: '50',
        }
      : // The service's name and protocol alone ask for nothing to be sent.
        { OTEL_SERVICE_NAME: 'incident-bot-under-test', OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json' }),
  };
  const secret = pdEnv.PAGERDUTY_WEBHOOK_SECRETS!.split(',')[1]!;
  /** A signed page, as PagerDuty sends it, carrying the caller's trace context. */
  const page = async (bot: ChildBot, title: string) => {
    const incident = pd.createIncident({ title, assignees: [PD_ALICE] });
    const raw = JSON.stringify(webhookBody('incident.triggered', incidentData(incident), { id: `EVT-${title}` }));
    const res = await fetch(`${bot.url}/webhooks/pagerduty`, {
      method: 'POST',
      body: raw,
      headers: {
        'content-type': 'application/json',
        'x-pagerduty-signature': pagerDutySignatureHeader(raw, [secret]),
        traceparent: INCOMING_TRACEPARENT,
      },
    });
    expect(res.status).toBe(202);
  };
  const cleanup = async () => {
    await Promise.all([slack.stop(), pd.stop(), receiver.stop()]);
    tmp.cleanup();
  };
  return { slack, pd, receiver, env, page, cleanup };
}

const bots: ChildBot[] = [];
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const bot of bots.splice(0)) {
    bot.proc.kill('SIGKILL');
    await bot.exited;
  }
  for (const c of cleanups.splice(0)) await c();
});

async function start(env: Record<string, string>): Promise<ChildBot> {
  const bot = await startChildBot(env);
  bots.push(bot);
  return bot;
}

/** The spans of one trace that the page's path must hold, found by what they are. */
function pagePath(spans: ReceivedSpan[], traceId: string) {
  const inTrace = spans.filter((s) => s.traceId === traceId);
  const slackCall = (method: string) =>
    inTrace.find((s) => s.kind === 3 && Object.values(s.attributes).some((v) => String(v).includes(`/api/${method}`)));
  return {
    webhook: inTrace.find((s) => s.name === 'pagerduty.webhook'),
    transaction: inTrace.find((s) => s.name === 'incident.transaction'),
    createChannel: slackCall('conversations.create'),
    pin: slackCall('pins.add'),
    deliveries: inTrace.filter((s) => s.name.startsWith('outbox.deliver ')),
  };
}

describe('tracing: one trace per page, over OTLP to a local collector', () => {
  it("a signed page's path, from webhook to pinned summary, is one trace that continues the caller's", async () => {
    const w = await world(true);
    cleanups.push(w.cleanup);
    const bot = await start(w.env);
    await w.page(bot, 'Checkout is down');

    const path = await w.receiver.until(() => {
      const p = pagePath(w.receiver.spans, TRACE_ID);
      return p.webhook && p.transaction && p.createChannel && p.pin ? p : undefined;
    });
    expect(path.webhook!.service).toBe('incident-bot-under-test');
    // The domain transaction runs inside the webhook's span; each delivery is a child of a stored context.
    expect(path.transaction!.parentSpanId).toBe(path.webhook!.spanId);
    const byId = new Map(w.receiver.spans.map((s) => [s.spanId, s]));
    const createDelivery = byId.get(path.createChannel!.parentSpanId);
    expect(createDelivery?.name).toBe('outbox.deliver channel.create');
    expect(byId.get(createDelivery!.parentSpanId)?.name).toBe('incident.transaction');
    expect(path.deliveries.map((d) => d.name)).toEqual(
      expect.arrayContaining(['outbox.deliver channel.create', 'outbox.deliver channel.pin_summary']),
    );
    // The delivery's log line names its trace and span, so logs and traces lead to each other.
    const logged = bot
      .output()
      .split('\n')
      .filter((l) => l.includes('"event":"outbox.delivered"') && l.includes('"kind":"channel.create"'))
      .map((l) => JSON.parse(l) as { trace_id?: string; span_id?: string });
    expect(logged).toEqual([expect.objectContaining({ trace_id: TRACE_ID, span_id: createDelivery!.spanId })]);

    // The webhook's latency bucket carries its trace id as an exemplar, for a scraper that asks for OpenMetrics.
    const open = await fetch(`${bot.url}/metrics`, {
      headers: { accept: 'application/openmetrics-text; version=1.0.0' },
    });
    expect(open.headers.get('content-type')).toContain('application/openmetrics-text');
    const exemplars = (await open.text())
      .split('\n')
      .filter(
        (l) => l.startsWith('incident_bot_http_request_duration_seconds_bucket') && l.includes('/webhooks/pagerduty'),
      );
    expect(exemplars.some((l) => l.includes(`# {trace_id="${TRACE_ID}",span_id="`))).toBe(true);
    const plain = await fetch(`${bot.url}/metrics`);
    expect(plain.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    expect(await plain.text()).not.toContain('# {trace_id=');
  });

  it(
    'stays one trace when the bot is SIGKILLed between accepting the page and delivering it',
    { timeout: 60_000 },
    async () => {
      const w = await world(true);
      cleanups.push(w.cleanup);
      let bot = await start(w.env);
      // Slack never answers the channel's creation: the page is accepted and its delivery hangs.
      w.slack.inject('conversations.create', { hang: true });
      const hung = new Promise((resolve) => w.slack.once('hang', resolve));
      await w.page(bot, 'Payments are failing');
      await hung;
      await w.receiver.until(() => pagePath(w.receiver.spans, TRACE_ID).transaction);
      expect(pagePath(w.receiver.spans, TRACE_ID).createChannel).toBeUndefined();

      bot.proc.kill('SIGKILL');
      await bot.exited;
      bots.splice(bots.indexOf(bot), 1);
      bot = await start(w.env);

      // The killed process's claim on the row is taken over once its lease has passed (outbox.timeout_seconds + 5 s).
      const path = await w.receiver.until(() => {
        const p = pagePath(w.receiver.spans, TRACE_ID);
        return p.createChannel && p.pin ? p : undefined;
      }, 35_000);
      expect(path.webhook).toBeDefined();
      expect(path.transaction).toBeDefined();
      // The channel was made by the second process, in the trace of the webhook the first one accepted.
      const byId = new Map(w.receiver.spans.map((s) => [s.spanId, s]));
      expect(byId.get(path.createChannel!.parentSpanId)?.name).toBe('outbox.deliver channel.create');
      expect([...w.slack.ws.channels.values()].filter((c) => c.creator === w.slack.ws.bot.id)).toHaveLength(1);
    },
  );

  it('starts no exporter and sends nothing when no OTEL variable is set', async () => {
    const w = await world(false);
    cleanups.push(w.cleanup);
    const bot = await start(w.env);
    await w.page(bot, 'Search is slow');
    await w.receiver.until(() => w.slack.ws.messages.some((m) => m.pinned));
    await new Promise((r) => setTimeout(r, 300));
    expect(bot.output()).toContain('"event":"tracing.off"');
    expect(bot.output()).not.toContain('"event":"tracing.on"');
    expect(w.receiver.requests).toEqual([]);
  });
});
