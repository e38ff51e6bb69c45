import { App, HTTPReceiver } from '@slack/bolt';
import { describe, expect, it } from 'vitest';
import { SlackListeners } from '../../src/slack/listener-table.ts';

/** A real Bolt app (no network: the token is not checked) that the table is mounted in. */
function boltWith(listeners: SlackListeners): App {
  const app = new App({
    receiver: new HTTPReceiver({ signingSecret: 'test-secret' }),
    token: 'xoxb-test',
    tokenVerificationEnabled: false,
    botId: 'B0',
    botUserId: 'U0BOT',
  });
  listeners.mount(app);
  return app;
}

const BODIES = {
  command: (command: string) => ({ command, text: 'status', user_id: 'U1', channel_id: 'C1', team_id: 'T1' }),
  action: (actionId: string) => ({
    type: 'block_actions',
    team: { id: 'T1' },
    user: { id: 'U1' },
    actions: [{ type: 'button', action_id: actionId, block_id: 'b', value: '1', action_ts: '1' }],
  }),
  view: (callbackId: string) => ({
    type: 'view_submission',
    team: { id: 'T1' },
    user: { id: 'U1' },
    view: { id: 'V1', callback_id: callbackId, state: { values: {} } },
  }),
  shortcut: (callbackId: string) => ({
    type: 'shortcut',
    team: { id: 'T1' },
    user: { id: 'U1' },
    callback_id: callbackId,
    trigger_id: 't',
  }),
  event: (type: string) => ({
    type: 'event_callback',
    team_id: 'T1',
    event_id: 'Ev1',
    event: { type, user: 'U1', channel: 'C1', event_ts: '1.0' },
  }),
};

/** Hands Bolt one request; resolves with whether it was acked. */
async function deliver(app: App, body: Record<string, unknown>): Promise<boolean> {
  let acked = false;
  await app.processEvent({ body, ack: async () => void (acked = true) });
  return acked;
}

describe('the Slack listener table', () => {
  it('hands each request to the one handler registered for its kind and id', async () => {
    const ran: string[] = [];
    const listeners = new SlackListeners();
    listeners.command('/incident', async ({ ack, command }) => {
      ran.push(`command ${command.text}`);
      await ack();
    });
    listeners.action('incident_update', async ({ ack }) => {
      ran.push('action incident_update');
      await ack();
    });
    listeners.action('incident_ack', async ({ ack }) => {
      ran.push('action incident_ack');
      await ack();
    });
    // The same id as a button, but a form: a kind of its own.
    listeners.view('incident_update', async ({ ack }) => {
      ran.push('view incident_update');
      await ack();
    });
    listeners.shortcut('declare_incident', async ({ ack }) => {
      ran.push('shortcut declare_incident');
      await ack();
    });
    listeners.event('member_joined_channel', async ({ event }) => void ran.push(`event ${event.type}`));
    const app = boltWith(listeners);

    expect(await deliver(app, BODIES.command('/incident'))).toBe(true);
    expect(await deliver(app, BODIES.action('incident_ack'))).toBe(true);
    expect(await deliver(app, BODIES.action('incident_update'))).toBe(true);
    expect(await deliver(app, BODIES.view('incident_update'))).toBe(true);
    expect(await deliver(app, BODIES.shortcut('declare_incident'))).toBe(true);
    await deliver(app, BODIES.event('member_joined_channel'));
    expect(ran).toEqual([
      'command status',
      'action incident_ack',
      'action incident_update',
      'view incident_update',
      'shortcut declare_incident',
      'event member_joined_channel',
    ]);
  });

  it('runs nothing for an id nobody registered, nor for one that merely resembles a registered id', async () => {
    const ran: string[] = [];
    const listeners = new SlackListeners();
    listeners.action('runbook.kill', async ({ ack }) => {
      ran.push('kill');
      await ack();
    });
    listeners.event('pin_added', async () => void ran.push('pin'));
    const app = boltWith(listeners);

    // A dot in an id is a dot, not "any character"; an id is matched whole, not as a prefix.
    for (const id of ['runbookXkill', 'runbook.kill2', 'xrunbook.kill', 'runbook'])
      expect(await deliver(app, BODIES.action(id))).toBe(false);
    await deliver(app, BODIES.event('pin_added_later'));
    await deliver(app, BODIES.event('pin_removed'));
    expect(ran).toEqual([]);
    expect(await deliver(app, BODIES.action('runbook.kill'))).toBe(true);
    expect(ran).toEqual(['kill']);
  });

  it('says which buttons and forms it handles (the others are acked at once elsewhere)', () => {
    const listeners = new SlackListeners();
    listeners.action('incident_ack', async () => {});
    listeners.view('incident_declare', async () => {});
    expect(listeners.handles('action', 'incident_ack')).toBe(true);
    expect(listeners.handles('view', 'incident_ack')).toBe(false);
    expect(listeners.handles('view', 'incident_declare')).toBe(true);
    expect(listeners.handles('action', 'home_declare')).toBe(false);
  });

  it('refuses a second handler for the same id of the same kind, which would silently replace the first', () => {
    const listeners = new SlackListeners();
    listeners.action('incident_ack', async () => {});
    expect(() => listeners.action('incident_ack', async () => {})).toThrow(
      'two Slack action handlers for incident_ack',
    );
    expect(() => listeners.view('incident_ack', async () => {})).not.toThrow();
  });
});
