import type { webApi } from '@slack/bolt';
import type { Settings } from '../config/settings.ts';
import { EffectKind, type Notice } from '../incidents/effect-kinds.ts';
import type { IncidentRepository } from '../incidents/incident-repository.ts';
import type { CapturedMessage, Incident } from '../incidents/types.ts';
import type { EffectHandler, Failure } from '../outbox/worker.ts';
import type { OutboxRow } from '../outbox/types.ts';
import { baseChannelName, candidateName } from './channel-name.ts';
import { classifySlackError, slackErrorName } from './classify-error.ts';
import { noticeBlocks, renderNotice } from './notices.ts';
import { channelTopic, summaryMessage } from './summary-message.ts';
import { dutiesMessage } from './comms-views.ts';

export interface SlackEffectDeps {
  client: webApi.WebClient;
  incidents: IncidentRepository;
  settings: Settings;
  now: () => number;
  /** Records a captured message in the timeline (the domain's `captureMessage`). */
  capture: (incidentId: number, capture: CapturedMessage) => void;
  /** Records people the bot brought into an incident's channel (the domain's `invitedToRoom`). */
  invited?: (incidentId: number, users: string[]) => void;
  /** The bot's own user id (auth.test), to recognise channels it created. */
  botUserId: () => Promise<string>;
  /** The base of links the bot posts (the status page in the comms lead's duties). */
  publicUrl?: string;
}

/** Messages the bot posts carry their outbox key, so a retry can find what an earlier try posted. */
export const METADATA_TYPE = 'incident_bot_effect';
const CREATE_SLACK_MS = 60_000;

/** How many `-N` suffixes to try before giving up on a name (and retrying later). */
const NAME_ATTEMPTS = 50;

/**
 * Rows of one incident run strictly in order, so when a later row finds no channel (or no summary),
 * the row that should have made it has already failed for good: retrying cannot help.
 */
export class PrerequisiteFailedError extends Error {
  readonly code = 'prerequisite_failed';
}

/**
 * Slack refused a method the app was not granted: retrying cannot help until the operator adds the
 * scope to the app and reinstalls it, after which the dead rows are retried by hand.
 */
class MissingScopeError extends Error {
  readonly code = 'slack_missing_scope';
  constructor(effect: string, needed: string) {
    super(
      `Slack refused ${effect}: the app lacks the scope ${needed}. Add it to the app's scopes ` +
        '(slack-app-manifest.yaml), reinstall the app, then run `incident-bot outbox retry --all-dead`.',
    );
  }
}

export const classify = (error: unknown): Failure =>
  error instanceof PrerequisiteFailedError || error instanceof MissingScopeError
    ? { type: 'permanent' }
    : classifySlackError(error);

/** Names the scope Slack asked for, so the dead row and the log say what to grant. */
export const namingScope =
  (deliver: EffectHandler['deliver']): EffectHandler['deliver'] =>
  async (row, log) => {
    try {
      return await deliver(row, log);
    } catch (error) {
      if (slackErrorName(error) !== 'missing_scope') throw error;
      const needed = (error as { data?: { needed?: unknown } }).data?.needed;
      throw new MissingScopeError(row.kind, typeof needed === 'string' ? needed : 'it asked for');
    }
  };

/** The Slack implementation of the domain's room effects, as outbox handlers. */
export function slackEffectHandlers(deps: SlackEffectDeps): Record<string, EffectHandler> {
  const { client, incidents, settings, now } = deps;

  const incidentOf = (row: OutboxRow): Incident => {
    const incident = row.incidentId === null ? undefined : incidents.get(row.incidentId);
    if (!incident) throw new Error(`incident ${row.incidentId} of outbox row ${row.id} does not exist`);
    return incident;
  };
  const channelOf = (row: OutboxRow): { incident: Incident; channel: string } => {
    const incident = incidentOf(row);
    if (!incident.channelId) throw new PrerequisiteFailedError(`incident ${incident.id} has no channel yet`);
    return { incident, channel: incident.channelId };
  };
  /**
   * After an uncertain attempt, the channel may exist already under the name we asked for: it is
   * ours if the bot created it since the incident began and no other incident holds it.
   */
  const adoptable = async (name: string, incident: Incident): Promise<string | undefined> => {
    const bot = await deps.botUserId();
    let cursor: string | undefined;
    do {
      const page = await client.conversations.list({
        types: incident.private ? 'private_channel' : 'public_channel',
        exclude_archived: true,
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      const found = page.channels?.find((c) => c.name === name);
      if (found) {
        const ours =
          found.creator === bot &&
          (found.created ?? 0) * 1000 >= incident.declaredAt - CREATE_SLACK_MS &&
          !incidents.byChannel(found.id!);
        return ours ? found.id : undefined;
      }
      cursor = page.response_metadata?.next_cursor || undefined;
    } while (cursor);
    return undefined;
  };

  /** Posts once: after an uncertain attempt, looks for the message that attempt may have posted. */
  const postOnce = async (
    row: OutboxRow,
    args: { channel: string; text: string; blocks?: unknown[]; unfurl_links?: boolean; unfurl_media?: boolean },
  ): Promise<string> => {
    if (row.uncertain) {
      const history = await client.conversations.history({
        channel: args.channel,
        oldest: String((row.createdAt - CREATE_SLACK_MS) / 1000),
        limit: 200,
        include_all_metadata: true,
      });
      const earlier = history.messages?.find(
        (m) =>
          (m.metadata as { event_type?: string; event_payload?: { key?: string } } | undefined)?.event_payload?.key ===
          row.idempotencyKey,
      );
      if (earlier?.ts) return earlier.ts;
    }
    const res = await client.chat.postMessage({
      ...(args as { channel: string; text: string }),
      metadata: { event_type: METADATA_TYPE, event_payload: { key: row.idempotencyKey } },
    });
    return res.ts!;
  };

  /** A message's link; none when it is gone or out of the bot's sight (its text is still recorded). */
  const permalinkOf = async (channel: string, ts: string): Promise<string | undefined> => {
    try {
      return (await client.chat.getPermalink({ channel, message_ts: ts })).permalink;
    } catch (error) {
      if (['channel_not_found', 'message_not_found'].includes(slackErrorName(error) ?? '')) return undefined;
      throw error;
    }
  };

  const handler = (lane: string, deliver: EffectHandler['deliver'], rendersCurrent = false): EffectHandler => ({
    lane: `slack:${lane}`,
    deliver: namingScope(deliver),
    classify,
    ...(rendersCurrent ? { rendersCurrent } : {}),
  });
  /** A message or topic drawn from the incident as it is when delivered: the newest row of its kind says it all. */
  const current = (lane: string, deliver: EffectHandler['deliver']) => handler(lane, deliver, true);

  return {
    [EffectKind.ChannelCreate]: handler('conversations.create', async (row, log) => {
      const incident = incidentOf(row);
      const base = baseChannelName({
        prefix: settings.channel_prefix,
        // A page's channel says which service fired as well as what.
        title: incident.serviceName ? `${incident.serviceName} ${incident.title}` : incident.title,
        incidentId: incident.id,
        declaredAt: incident.declaredAt,
        timeZone: settings.timezone,
      });
      for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
        const name = candidateName(base, attempt);
        try {
          const res = await client.conversations.create({ name, is_private: incident.private });
          const id = res.channel!.id!;
          log.info({ event: 'channel.created', channel_id: id, channel_name: name }, 'channel created');
          return { result: { channel_id: id, name }, commit: () => incidents.setChannel(incident.id, id, name, now()) };
        } catch (error) {
          if (slackErrorName(error) !== 'name_taken') throw error;
          const adopted = row.uncertain ? await adoptable(name, incident) : undefined;
          if (adopted) {
            log.warn(
              { channel_id: adopted, channel_name: name },
              'adopted the channel an earlier, unrecorded attempt created',
            );
            return {
              result: { channel_id: adopted, name, adopted: true },
              commit: () => incidents.setChannel(incident.id, adopted, name, now()),
            };
          }
        }
      }
      throw new Error(`every name from ${base} to ${candidateName(base, NAME_ATTEMPTS - 1)} is taken`);
    }),

    [EffectKind.ChannelInvite]: handler('conversations.invite', async (row) => {
      const { incident, channel } = channelOf(row);
      // User groups (an automation's `invite: [S…]`) are invited as their members are now.
      const groups = (row.payload.groups as string[] | undefined) ?? [];
      const members = await Promise.all(
        groups.map(async (usergroup) => (await client.usergroups.users.list({ usergroup })).users ?? []),
      );
      const users = [...new Set([...((row.payload.users as string[] | undefined) ?? []), ...members.flat()])];
      if (users.length === 0) return { result: { invited: [] } };
      let refused = new Set<string>();
      try {
        // force: one deactivated or unknown user must not keep everyone else out of the room.
        const res = await client.conversations.invite({ channel, users: users.join(','), force: true });
        refused = new Set((res.errors ?? []).flatMap((e) => (e.user && !e.ok ? [e.user] : [])));
      } catch (error) {
        // Already there (e.g. the creator) is the outcome we wanted.
        if (!['already_in_channel', 'cant_invite_self'].includes(slackErrorName(error) ?? '')) throw error;
      }
      // In the room now, without waiting for Slack's join events (which also say so).
      const invited = users.filter((u) => !refused.has(u));
      return { result: { invited }, commit: () => deps.invited?.(incident.id, invited) };
    }),

    [EffectKind.ChannelSetTopic]: current('conversations.setTopic', async (row) => {
      const { incident, channel } = channelOf(row);
      const topic = channelTopic(incident, incidents.roles(incident.id));
      await client.conversations.setTopic({ channel, topic });
      return { result: { topic } };
    }),

    [EffectKind.ChannelPostSummary]: handler('chat.postMessage', async (row) => {
      const { incident, channel } = channelOf(row);
      const message = summaryMessage(incident, incidents.roles(incident.id));
      const ts = await postOnce(row, { channel, ...message, unfurl_links: false });
      return { result: { ts }, commit: () => incidents.setSummaryTs(incident.id, ts, now()) };
    }),

    [EffectKind.ChannelUpdateSummary]: current('chat.update', async (row) => {
      const { incident, channel } = channelOf(row);
      if (!incident.summaryTs) throw new PrerequisiteFailedError(`incident ${incident.id} has no summary message yet`);
      await client.chat.update({
        channel,
        ts: incident.summaryTs,
        ...summaryMessage(incident, incidents.roles(incident.id)),
      });
      return { result: { ts: incident.summaryTs } };
    }),

    [EffectKind.ChannelNotice]: handler('chat.postMessage', async (row) => {
      const { channel } = channelOf(row);
      const notice = row.payload.notice as Notice;
      const ts = await postOnce(row, {
        channel,
        text: renderNotice(notice),
        blocks: noticeBlocks(notice),
        unfurl_links: false,
        unfurl_media: false,
      });
      return { result: { ts } };
    }),

    // Posted and pinned with the first comms lead, then edited in place: one pinned message, kept current.
    [EffectKind.ChannelDuties]: current('chat.postMessage', async (row) => {
      const { incident, channel } = channelOf(row);
      const roles = incidents.roles(incident.id);
      const message = dutiesMessage(incident, roles, settings, deps.publicUrl ?? '');
      if (incident.dutiesTs) {
        await client.chat.update({ channel, ts: incident.dutiesTs, ...message });
        return { result: { ts: incident.dutiesTs, edited: true } };
      }
      if (!roles.some((r) => r.role === 'comms') || incident.status === 'resolved')
        return { result: { skipped: 'no comms lead yet' } };
      const ts = await postOnce(row, { channel, ...message, unfurl_links: false });
      try {
        await client.pins.add({ channel, timestamp: ts });
      } catch (error) {
        if (slackErrorName(error) !== 'already_pinned') throw error;
      }
      return { result: { ts }, commit: () => incidents.setDutiesTs(incident.id, ts, now()) };
    }),

    [EffectKind.ChannelArchive]: handler('conversations.archive', async (row) => {
      const { incident, channel } = channelOf(row);
      // Reopened (or resolved again later) since this was scheduled: this archive is void.
      if (incident.status !== 'resolved' || incident.resolvedAt !== row.payload.resolvedAt)
        return { result: { skipped: 'reopened' } };
      try {
        await client.conversations.archive({ channel });
      } catch (error) {
        if (slackErrorName(error) !== 'already_archived') throw error;
      }
      return { result: { archived: channel } };
    }),

    [EffectKind.TimelineCapture]: handler('conversations.history', async (row) => {
      const p = row.payload as {
        /** Where the message is, when not in the incident's own channel (a shortcut from anywhere). */
        room?: string;
        ts: string;
        kind: CapturedMessage['kind'];
        by: string;
        text?: string;
        author?: string;
        permalink?: string;
      };
      const channel = p.room ?? channelOf(row).channel;
      let { text, author, permalink } = p;
      if (text === undefined) {
        const res = await client.conversations.history({ channel, latest: p.ts, inclusive: true, limit: 1 });
        const message = res.messages?.find((m) => m.ts === p.ts);
        text = message?.text ?? '';
        author = message?.user ?? message?.bot_id;
      }
      if (!permalink) permalink = await permalinkOf(channel, p.ts);
      const capture = {
        kind: p.kind,
        by: p.by,
        ts: p.ts,
        text: text ?? '',
        author: author ?? null,
        permalink: permalink ?? null,
      };
      return { result: capture, commit: () => deps.capture(row.incidentId!, capture) };
    }),

    [EffectKind.ChannelPinSummary]: handler('pins.add', async (row) => {
      const { incident, channel } = channelOf(row);
      if (!incident.summaryTs) throw new PrerequisiteFailedError(`incident ${incident.id} has no summary message yet`);
      try {
        await client.pins.add({ channel, timestamp: incident.summaryTs });
      } catch (error) {
        if (slackErrorName(error) !== 'already_pinned') throw error;
      }
      return { result: { ts: incident.summaryTs } };
    }),
  };
}
