import { randomUUID } from 'node:crypto';

/**
 * Bodies Slack POSTs to the app for interactivity and events, in Slack's shapes (block_actions and
 * view_submission as a form field `payload`, event_callback as JSON). The sandbox and the tests
 * send these, signed, to the real Bolt receiver.
 */
const TEAM = { id: 'T0FAKE001', domain: 'fake' };
const trigger = () => `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fake`;

/** What every interactivity payload carries: who, in which workspace, from which app. */
const interaction = (type: string, user: string, triggerId = trigger()) => ({
  type,
  team: TEAM,
  user: { id: user, username: user.toLowerCase(), team_id: TEAM.id },
  api_app_id: 'A0FAKE001',
  token: 'deprecated-verification-token',
  trigger_id: triggerId,
});

export function blockActionBody(opts: {
  actionId: string;
  value: string;
  user: string;
  channel: string;
  messageTs?: string;
  triggerId?: string;
  blockId?: string;
}): string {
  const payload = {
    ...interaction('block_actions', opts.user, opts.triggerId),
    container: {
      type: 'message',
      message_ts: opts.messageTs ?? '1.000001',
      channel_id: opts.channel,
      is_ephemeral: false,
    },
    channel: { id: opts.channel, name: 'incident' },
    message: { type: 'message', ts: opts.messageTs ?? '1.000001', text: '' },
    response_url: 'https://hooks.slack.com/actions/T0FAKE001/1/fake',
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: opts.blockId ?? 'incident_actions',
        value: opts.value,
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** Values as Slack reports them: block id → action id → a typed value. */
export type ViewValues = Record<string, Record<string, Record<string, unknown>>>;

export function viewSubmissionBody(opts: {
  callbackId: string;
  user: string;
  values: ViewValues;
  privateMetadata?: string;
  viewId?: string;
  triggerId?: string;
}): string {
  const payload = {
    ...interaction('view_submission', opts.user, opts.triggerId),
    view: {
      id: opts.viewId ?? `V${randomUUID().slice(0, 8).toUpperCase()}`,
      team_id: TEAM.id,
      type: 'modal',
      callback_id: opts.callbackId,
      private_metadata: opts.privateMetadata ?? '',
      state: { values: opts.values },
      hash: '1.abc',
    },
    response_urls: [],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

export function eventCallbackBody(
  event: Record<string, unknown>,
  eventId: string = `Ev${randomUUID().slice(0, 10).toUpperCase()}`,
): string {
  return JSON.stringify({
    token: 'deprecated-verification-token',
    team_id: TEAM.id,
    api_app_id: 'A0FAKE001',
    event: { event_ts: String(Date.now() / 1000), ...event },
    type: 'event_callback',
    event_id: eventId,
    event_time: Math.floor(Date.now() / 1000),
    authorizations: [{ team_id: TEAM.id, user_id: 'U0BOT0001', is_bot: true, is_enterprise_install: false }],
  });
}

/** A button pressed in a view that is not a message (the app's Home tab): no channel, no message. */
export function viewActionBody(opts: {
  actionId: string;
  user: string;
  viewId: string;
  value?: string;
  triggerId?: string;
}): string {
  const payload = {
    ...interaction('block_actions', opts.user, opts.triggerId),
    container: { type: 'view', view_id: opts.viewId },
    view: { id: opts.viewId, team_id: TEAM.id, type: 'home', callback_id: '', private_metadata: '', hash: '1.abc' },
    actions: [
      {
        type: 'button',
        action_id: opts.actionId,
        block_id: 'home_actions',
        value: opts.value ?? '',
        action_ts: String(Date.now() / 1000),
      },
    ],
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A message shortcut (the message's ⋯ menu): the message it was chosen on, and where. */
export function messageShortcutBody(opts: {
  callbackId: string;
  user: string;
  channel: string;
  message: { ts: string; text: string; user: string };
}): string {
  const payload = {
    ...interaction('message_action', opts.user),
    callback_id: opts.callbackId,
    action_ts: String(Date.now() / 1000),
    message_ts: opts.message.ts,
    response_url: 'https://hooks.slack.com/app/T0FAKE001/1/fake',
    channel: { id: opts.channel, name: 'channel' },
    message: { type: 'message', ...opts.message },
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}

/** A global shortcut (the shortcuts menu): nothing but who chose it. */
export function globalShortcutBody(opts: { callbackId: string; user: string }): string {
  const payload = {
    ...interaction('shortcut', opts.user),
    callback_id: opts.callbackId,
    action_ts: String(Date.now() / 1000),
  };
  return new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
}
