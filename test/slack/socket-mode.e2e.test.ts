import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startApp, type RunningApp } from '../../src/app/start-app.ts';
import { loadConfig } from '../../src/config/config.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import type { FakeSocketMode } from '../../src/sandbox/fake-slack/socket-mode.ts';
import { slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import {
  blockActionBody,
  eventCallbackBody,
  viewSubmissionBody,
  type ViewValues,
} from '../../src/sandbox/slack-payloads.ts';
import { ALICE, BOB, CAROL, eventually, settled, tempDir, testEnv } from '../helpers/test-bot.ts';

const APP_TOKEN = 'xapp-1-A0FAKE001-1-fake';

/** A form body as the JSON object Socket Mode carries instead. */
const fields = (body: string) => Object.fromEntries(new URLSearchParams(body));
const interactive = (body: string) => JSON.parse(new URLSearchParams(body).get('payload')!) as Record<string, unknown>;

describe('Socket Mode, end to end against a fake of Slack’s', () => {
  let slack: FakeSlack;
  let sm: FakeSocketMode;
  let app: RunningApp;
  let tmp: ReturnType<typeof tempDir>;

  beforeEach(async () => {
    tmp = tempDir();
    slack = await new FakeSlack({ users: [ALICE, BOB, CAROL], appToken: APP_TOKEN }).start();
    sm = slack.socketMode!;
    const env = testEnv(slack, join(tmp.dir, 'bot.db'), { SLACK_APP_TOKEN: APP_TOKEN });
    delete env.SLACK_SIGNING_SECRET; // Socket Mode needs none
    const config = loadConfig(env);
    app = await startApp(config, {
      logger: createLogger(config.logLevel),
      host: '127.0.0.1',
      worker: { pollMs: 50, backoffBaseMs: 20, backoffMaxMs: 200 },
      // Pings every 100 ms; a reconnect waits 300 ms instead of 5 s.
      socketMode: { clientPingTimeoutMs: 300 },
    });
  });
  afterEach(async () => {
    await app.stop(0);
    await slack.stop();
    tmp.cleanup();
  });

  const command = async (text: string, user = ALICE.id, channel = 'C0GENERAL') =>
    (await sm.deliver('slash_commands', fields(slashCommandBody({ text, userId: user, channelId: channel })))
      .acked) as {
      text?: string;
    };
  const click = (actionId: string, value: string, user: string, channel: string) =>
    sm.deliver('interactive', interactive(blockActionBody({ actionId, value, user, channel })));
  const submit = (callbackId: string, values: ViewValues, user: string, privateMetadata?: string) =>
    sm.deliver('interactive', interactive(viewSubmissionBody({ callbackId, values, user, privateMetadata })));
  const event = (e: Record<string, unknown>, eventId?: string) =>
    sm.deliver('events_api', JSON.parse(eventCallbackBody(e, eventId)) as Record<string, unknown>);
  const timeline = (id: number) =>
    app.db.prepare('SELECT kind, body FROM timeline_events WHERE incident_id = ? ORDER BY id').all(id) as {
      kind: string;
      body: string | null;
    }[];
  const declaredRoom = async (text: string) => {
    const reply = await command(`declare ${text}`);
    const id = Number(/#(\d+)/.exec(reply.text ?? '')?.[1]);
    const incident = await eventually(() => {
      const i = app.incidents.get(id);
      return i?.summaryTs && slack.ws.message(i.channelId!, i.summaryTs)?.pinned ? i : undefined;
    });
    await settled(app);
    return { incident, channel: incident.channelId! };
  };

  it('connects with the app-level token through apps.connections.open on the configured API URL', async () => {
    expect(sm.connected).toBe(true);
    expect(sm.connections).toBe(1);
    expect(slack.succeeded('apps.connections.open')).toHaveLength(1);
    // The bot token is for everything else, and is refused for opening a connection.
    const res = await fetch(`${slack.url}apps.connections.open`, {
      method: 'POST',
      headers: { authorization: `Bearer ${slack.token}` },
    });
    expect(await res.json()).toEqual({ ok: false, error: 'not_allowed_token_type' });
  });

  it('a slash command: acknowledged by envelope id with the reply, and the room opens', async () => {
    const { envelopeId, acked } = sm.deliver(
      'slash_commands',
      fields(slashCommandBody({ text: 'declare Checkout is down sev2', userId: ALICE.id, channelId: 'C0GENERAL' })),
    );
    expect(((await acked) as { text: string }).text).toMatch(/#1/);
    expect(sm.acks.map((a) => a.envelope_id)).toEqual([envelopeId]);
    const incident = await eventually(() => (app.incidents.get(1)?.summaryTs ? app.incidents.get(1) : undefined));
    expect(slack.ws.channels.get(incident.channelId!)!.name).toMatch(/checkout-is-down/);
  });

  it('a button and a form (view_submission) over the socket do what they do over HTTP', async () => {
    const { incident, channel } = await declaredRoom('Buttons over the socket sev2');
    await click('incident_ack', String(incident.id), BOB.id, channel).acked;
    await eventually(() => app.incidents.get(incident.id)!.acknowledgedAt !== null);

    const ack = await submit(
      'incident_declare',
      {
        title: { value: { type: 'plain_text_input', value: 'Declared from the form' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'sev3' } } },
        description: { value: { type: 'plain_text_input', value: '' } },
        commander: { value: { type: 'users_select', selected_user: CAROL.id } },
      },
      ALICE.id,
      JSON.stringify({ channel: 'C0GENERAL' }),
    ).acked;
    expect(ack).toEqual({});
    const declared = await eventually(() => app.incidents.listOpen().find((i) => i.title === 'Declared from the form'));
    expect(declared.severity).toBe('sev3');
  });

  it('an event (pin_added) reaches the timeline', async () => {
    const { incident, channel } = await declaredRoom('Events over the socket');
    const m = slack.ws.postAs(BOB.id, channel, 'Root cause: expired cert');
    const item = { type: 'message', channel, message: { text: m.text, user: BOB.id, ts: m.ts } };
    const { acked } = event({ type: 'pin_added', user: ALICE.id, channel_id: channel, item }, 'EvSOCKPIN1');
    expect(await acked).toEqual({});
    await eventually(() => timeline(incident.id).some((e) => e.kind === 'message_pinned'));
  });

  it('reconnects on disconnect (refresh_requested, warning) and after a cut link; nothing lost, nothing twice', async () => {
    const { incident, channel } = await declaredRoom('Reconnects sev2');

    // Slack refreshes the link: the app opens a new connection, and keeps working on it.
    sm.disconnect('refresh_requested');
    await sm.waitForConnections(2);
    await command('note after a refresh', BOB.id, channel);

    // The app acted on this note but its ack was lost as the link went away: Slack sends the
    // same envelope again on the next connection, and the app acknowledges it without acting twice.
    const lost = sm.deliver(
      'slash_commands',
      fields(slashCommandBody({ text: 'note exactly once', userId: BOB.id, channelId: channel })),
      {
        loseAck: true,
      },
    );
    await eventually(() => notes().includes('exactly once'));
    sm.disconnect('warning');
    // Sent while no link is up: delivered once the app is back.
    await eventually(() => !sm.connected);
    const queued = sm.deliver(
      'slash_commands',
      fields(slashCommandBody({ text: 'note while away', userId: BOB.id, channelId: channel })),
    );
    await sm.waitForConnections(3);
    await lost.acked;
    await queued.acked;
    const redelivered = sm.sent.filter((e) => e.envelope_id === lost.envelopeId);
    expect(redelivered.map((e) => e.retry_attempt)).toEqual([0, 1]);

    // A link cut without a word: the app notices (no pong) and comes back.
    sm.drop();
    await sm.waitForConnections(4);
    await command('note after a cut', BOB.id, channel);

    await settled(app);
    expect(notes()).toEqual(['after a refresh', 'exactly once', 'while away', 'after a cut']);
    function notes() {
      return timeline(incident.id)
        .filter((e) => e.kind === 'note')
        .map((e) => e.body);
    }
  });
});
