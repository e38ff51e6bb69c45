import type { App } from '@slack/bolt';
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
const reactionEvent = z.object({
  user: z.string().max(32),
  reaction: z.string().max(100),
  item: messageItem.pick({ type: true, channel: true, ts: true }),
});

/**
 * Messages pinned in an incident channel, or reacted to with the capture emoji, go into the timeline;
 * so do their removals. Slack retries events, so each event id is recorded once (the inbox).
 */
export function registerEvents(app: App, deps: SlackEdgeDeps): void {
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
