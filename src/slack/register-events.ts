import type { SlackListeners } from './listener-table.ts';
import { z } from 'zod';
import type { CapturedMessage } from '../incidents/types.ts';
import type { SlackEdgeDeps } from './register-commands.ts';

const messageItem = z.object({
  type: z.literal('message'),
  channel: z.string().max(32),
  ts: z.string().max(32).optional(),
  message: z
    .object({
      text: z.string().max(40_000).optional(),
      user: z.string().max(32).optional(),
      ts: z.string().max(32),
      permalink: z.string().max(2048).optional(),
    })
    .optional(),
});
const pinEvent = z.object({ user: z.string().max(32), item: messageItem });
const membershipEvent = z.object({
  user: z.string().max(32),
  channel: z.string().max(32),
  event_ts: z.string().regex(/^\d{1,12}(\.\d{1,6})?$/),
});
const reactionEvent = z.object({
  user: z.string().max(32),
  reaction: z.string().max(100),
  item: messageItem.pick({ type: true, channel: true, ts: true }),
});

/**
 * Messages pinned in an incident channel, or reacted to with the capture emoji, go into the timeline;
 * so do their removals. People joining and leaving incident channels are recorded. Slack retries
 * events, so each event id is acted on once (the inbox).
 */
export function registerEvents(app: SlackListeners, deps: SlackEdgeDeps): void {
  const capture = (
    eventId: string | undefined,
    channel: string,
    message: Omit<CapturedMessage, 'text' | 'author' | 'permalink'> & Partial<CapturedMessage>,
  ) => {
    const incident = deps.services.incidents.byChannel(channel);
    if (!incident || !eventId) return;
    const outcome = deps.services.incidents.requestCapture(incident.id, eventId, message);
    deps.log.debug(
      { source: 'slack', event_id: eventId, incident_id: incident.id, kind: message.kind, outcome },
      'timeline capture',
    );
  };

  for (const [type, kind] of [
    ['pin_added', 'pinned'],
    ['pin_removed', 'unpinned'],
  ] as const) {
    app.event(type, async ({ event, body }) => {
      const parsed = pinEvent.safeParse(event);
      if (!parsed.success) return deps.log.warn({ source: 'slack', type }, 'pin event of unexpected shape ignored');
      const { user, item } = parsed.data;
      const ts = item.message?.ts ?? item.ts;
      if (!ts) return;
      capture(body.event_id, item.channel, {
        kind,
        by: user,
        ts,
        text: item.message?.text,
        author: item.message?.user ?? null,
        permalink: item.message?.permalink ?? null,
      });
    });
  }

  // Who is in an incident's channel: a private incident is listed to them (Home tab, /incident list).
  for (const [type, joined] of [
    ['member_joined_channel', true],
    ['member_left_channel', false],
  ] as const) {
    app.event(type, async ({ event, body, context }) => {
      const parsed = membershipEvent.safeParse(event);
      if (!parsed.success || !body.event_id)
        return deps.log.warn({ source: 'slack', type }, 'membership event of unexpected shape ignored');
      const { user, channel, event_ts } = parsed.data;
      // Bolt lets the bot's own joins through; the bot is in every incident channel anyway.
      if (user === context.botUserId) return;
      const outcome = deps.services.incidents.roomMembershipChanged({
        room: channel,
        user,
        joined,
        at: Math.round(Number(event_ts) * 1000),
        deliveryId: body.event_id,
      });
      if (outcome !== 'ignored')
        deps.log.debug({ source: 'slack', event_id: body.event_id, channel_id: channel, outcome }, type);
    });
  }

  for (const [type, kind] of [
    ['reaction_added', 'marked'],
    ['reaction_removed', 'unmarked'],
  ] as const) {
    app.event(type, async ({ event, body }) => {
      const parsed = reactionEvent.safeParse(event);
      if (!parsed.success || parsed.data.reaction !== deps.services.settings.capture_emoji || !parsed.data.item.ts)
        return;
      const { user, item } = parsed.data;
      capture(body.event_id, item.channel, { kind, by: user, ts: item.ts! });
    });
  }
}
