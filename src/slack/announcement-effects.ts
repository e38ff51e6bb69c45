import type { webApi } from '@slack/bolt';
import type { AnnouncementRepository } from '../incidents/announcement-repository.ts';
import type { AnnouncementLine } from '../incidents/announcements.ts';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { IncidentRepository } from '../incidents/incident-repository.ts';
import type { EffectHandler, Failure } from '../outbox/worker.ts';
import type { OutboxRow } from '../outbox/types.ts';
import { announcementLineText, announcementMessage } from './announcement-message.ts';
import { METADATA_TYPE, PrerequisiteFailedError, classify, namingScope } from './channel-effects.ts';
import { slackErrorName } from './classify-error.ts';

export interface AnnouncementEffectDeps {
  client: webApi.WebClient;
  incidents: IncidentRepository;
  announcements: AnnouncementRepository;
  /** `announcements.channel` from the settings; unset, nothing is posted. */
  channel: string | undefined;
  now: () => number;
}

/** How long before a row was queued an earlier attempt's message may be (clocks differ). */
const LOOK_BACK_MS = 60_000;

/** Errors that mean the bot cannot post where it was told to: the operator has to act, retrying will not. */
const CHANNEL_REFUSALS = new Set(['not_in_channel', 'channel_not_found', 'is_archived']);

class AnnouncementChannelError extends Error {
  readonly code = 'announcement_channel_refused';
  constructor(channel: string, reason: string) {
    super(
      `Slack refused to post in the announcement channel ${channel} (${reason}): check announcements.channel, ` +
        'invite the bot to that channel (/invite @incident-bot), then run `incident-bot outbox retry --all-dead`.',
    );
  }
}

const classifyAnnouncement = (error: unknown): Failure =>
  error instanceof AnnouncementChannelError ? { type: 'permanent' } : classify(error);

/** The metadata that lets a retry find what an earlier, unrecorded attempt posted. */
const metadataOf = (key: string) => ({ event_type: METADATA_TYPE, event_payload: { key } });
const keyOf = (m: { metadata?: unknown }) =>
  (m.metadata as { event_payload?: { key?: unknown } } | undefined)?.event_payload?.key;

/** The summary's own key: whichever row posts it, a retry of any of them finds it. */
const summaryKey = (incidentId: number) => `announcement:${incidentId}`;

/**
 * The Slack side of announcements: the summary posted once in the announcement channel and edited in
 * place from then on (its place is stored, so edits after a restart, or after the setting changed,
 * go to the same message); each line a reply in its thread. A private incident is never posted.
 */
export function announcementHandlers(deps: AnnouncementEffectDeps): Record<string, EffectHandler> {
  const { client, incidents, announcements, now } = deps;

  const refusing = async <T>(channel: string, call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (error) {
      const name = slackErrorName(error);
      if (name && CHANNEL_REFUSALS.has(name)) throw new AnnouncementChannelError(channel, name);
      throw error;
    }
  };

  /** The incident and its announcement, unless there is nothing to post (never for a private one). */
  const subject = (row: OutboxRow) => {
    const incident = row.incidentId === null ? undefined : incidents.get(row.incidentId);
    if (!incident || incident.private) return undefined;
    const announcement = announcements.get(incident.id);
    return announcement && { incident, announcement };
  };

  // Every post goes to one channel, paced per channel: the lane says which, so that a storm's
  // announcements wait their turns in the database rather than in delivery slots.
  const handler = (lane: string, deliver: EffectHandler['deliver']): EffectHandler => ({
    lane: `slack:${lane}${deps.channel && lane === 'chat.postMessage' ? `@${deps.channel}` : ''}`,
    deliver: namingScope(deliver),
    classify: classifyAnnouncement,
  });

  return {
    [EffectKind.AnnouncementSummary]: handler('chat.postMessage', async (row, log) => {
      const found = subject(row);
      if (!found) return { result: { skipped: 'not announced' } };
      const { incident, announcement } = found;
      const message = announcementMessage(incident, incidents.roles(incident.id), announcement.reportUrl, now());
      if (announcement.channelId && announcement.messageTs) {
        const { channelId: channel, messageTs: ts } = announcement;
        await refusing(channel, () => client.chat.update({ channel, ts, ...message }));
        return { result: { ts, edited: true } };
      }
      const channel = deps.channel;
      if (!channel) return { result: { skipped: 'no announcement channel' } };
      let ts: string | undefined;
      if (row.uncertain) {
        const history = await refusing(channel, () =>
          client.conversations.history({
            channel,
            oldest: String((announcement.announcedAt - LOOK_BACK_MS) / 1000),
            limit: 200,
            include_all_metadata: true,
          }),
        );
        ts = history.messages?.find((m) => keyOf(m) === summaryKey(incident.id))?.ts;
        if (ts) log.warn({ ts }, 'found the announcement an earlier, unrecorded attempt posted');
      }
      if (!ts) {
        const res = await refusing(channel, () =>
          client.chat.postMessage({
            channel,
            ...message,
            unfurl_links: false,
            unfurl_media: false,
            metadata: metadataOf(summaryKey(incident.id)),
          }),
        );
        ts = res.ts!;
      }
      const posted = ts;
      return { result: { ts: posted }, commit: () => announcements.posted(incident.id, channel, posted, now()) };
    }),

    [EffectKind.AnnouncementLine]: handler('chat.postMessage', async (row) => {
      const found = subject(row);
      if (!found) return { result: { skipped: 'not announced' } };
      const { channelId: channel, messageTs: thread } = found.announcement;
      if (!channel || !thread) {
        if (!deps.channel) return { result: { skipped: 'no announcement channel' } };
        // Rows of an incident run in order: the summary's row before this one has failed for good.
        throw new PrerequisiteFailedError(`incident ${found.incident.id} has no announcement to thread under`);
      }
      if (row.uncertain) {
        const replies = await refusing(channel, () =>
          client.conversations.replies({ channel, ts: thread, limit: 1000, include_all_metadata: true }),
        );
        const earlier = replies.messages?.find((m) => keyOf(m) === row.idempotencyKey);
        if (earlier?.ts) return { result: { ts: earlier.ts, found: true } };
      }
      const line = row.payload.line as AnnouncementLine;
      const res = await refusing(channel, () =>
        client.chat.postMessage({
          channel,
          thread_ts: thread,
          text: announcementLineText(line),
          unfurl_links: false,
          unfurl_media: false,
          metadata: metadataOf(row.idempotencyKey),
        }),
      );
      return { result: { ts: res.ts } };
    }),
  };
}
