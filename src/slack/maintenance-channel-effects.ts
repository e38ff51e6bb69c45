import type { webApi } from '@slack/bolt';
import { EffectKind } from '../incidents/effect-kinds.ts';
import type { MaintenanceRepository } from '../incidents/maintenance-repository.ts';
import type { Maintenance, MaintenanceStatus } from '../incidents/maintenance-types.ts';
import type { Component } from '../incidents/types.ts';
import type { EffectHandler } from '../outbox/worker.ts';
import type { OutboxRow } from '../outbox/types.ts';
import { slugify } from '../text/slugify.ts';
import { classifySlackError, slackErrorName } from './classify-error.ts';
import { escapeMrkdwn, mention } from './mrkdwn.ts';

/** Slack's limit is 80; room is kept for the `-N` that resolves a taken name. */
const NAME_ROOM = 76;
const NAME_ATTEMPTS = 50;

const STEP_WORDS: Record<MaintenanceStatus, string> = {
  scheduled: 'is scheduled',
  in_progress: 'is *in progress*: its components show as under maintenance',
  verifying: 'is being *verified*',
  completed: 'is *completed*: its components are back to normal',
};

/** `maint-<id>-<slug>`: says it is a window, which one, and what. */
export function maintenanceChannelName(m: Pick<Maintenance, 'id' | 'name'>): string {
  const head = `maint-${m.id}`;
  const slug = slugify(m.name)
    .slice(0, NAME_ROOM - head.length - 1)
    .replace(/-+$/, '');
  return slug ? `${head}-${slug}` : head;
}

/** The window's own Slack channel (only when asked for): opened with its scheduler in it, told every step. */
export function maintenanceChannelHandlers(deps: {
  client: webApi.WebClient;
  maintenances: MaintenanceRepository;
  components: Component[];
  timeZone: string;
}): Record<string, EffectHandler> {
  const { client, maintenances } = deps;
  const names = new Map(deps.components.map((c) => [c.id, c.name]));
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: deps.timeZone, dateStyle: 'medium', timeStyle: 'short' });
  const windowOf = (row: OutboxRow): Maintenance => {
    const m = maintenances.get(Number(row.payload.maintenanceId));
    if (!m) throw new Error(`maintenance ${String(row.payload.maintenanceId)} of outbox row ${row.id} does not exist`);
    return m;
  };

  const summary = (m: Maintenance, body: string) =>
    [
      `:wrench: *Maintenance #${m.id}: ${escapeMrkdwn(m.name)}* is scheduled`,
      `When: ${when.format(m.scheduledFor)} – ${when.format(m.scheduledUntil)} (${deps.timeZone})`,
      `Components: ${m.components.map((c) => escapeMrkdwn(names.get(c) ?? c)).join(', ') || 'none'}`,
      `Scheduled by ${m.createdBy ? mention(m.createdBy) : 'someone'}. It moves on its own;` +
        ` \`/incident maintenance complete ${m.id}\` ends it early.`,
      `What the status page says:\n>${escapeMrkdwn(body).replace(/\n/g, '\n>')}`,
    ].join('\n');

  return {
    [EffectKind.MaintenanceChannelOpen]: {
      lane: 'slack:conversations.create',
      classify: classifySlackError,
      async deliver(row, log) {
        const m = windowOf(row);
        if (m.channelId) return { result: { channel_id: m.channelId } };
        const base = maintenanceChannelName(m);
        for (let attempt = 0; attempt < NAME_ATTEMPTS; attempt++) {
          const name = attempt === 0 ? base : `${base}-${attempt + 1}`;
          try {
            const res = await client.conversations.create({ name, is_private: false });
            const id = res.channel!.id!;
            log.info({ event: 'maintenance.channel_created', channel_id: id, channel_name: name }, 'channel created');
            if (m.createdBy)
              await client.conversations.invite({ channel: id, users: m.createdBy, force: true }).catch((error) => {
                // The channel is made; someone missing from it must not make a second one.
                log.warn({ event: 'maintenance.invite_failed', err: error }, 'scheduler not invited');
              });
            return {
              result: { channel_id: id, name },
              commit: () => maintenances.setChannel(m.id, id, name),
            };
          } catch (error) {
            if (slackErrorName(error) !== 'name_taken') throw error;
          }
        }
        throw new Error(`every name from ${base} on is taken`);
      },
    },
    [EffectKind.MaintenanceChannelStep]: {
      lane: 'slack:chat.postMessage',
      classify: classifySlackError,
      async deliver(row) {
        const m = windowOf(row);
        // In order on the window's key: no channel now means its opening failed for good.
        if (!m.channelId) return { result: { skipped: 'no channel' } };
        const update = maintenances.getUpdate(Number(row.payload.updateId));
        if (!update) throw new Error(`maintenance update ${String(row.payload.updateId)} does not exist`);
        const text =
          update.status === 'scheduled'
            ? summary(m, update.body)
            : `:wrench: Maintenance #${m.id} ${STEP_WORDS[update.status]}.\n>${escapeMrkdwn(update.body).replace(/\n/g, '\n>')}`;
        const res = await client.chat.postMessage({ channel: m.channelId, text, unfurl_links: false });
        return { result: { ts: res.ts } };
      },
    },
  };
}
