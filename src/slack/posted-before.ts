import type { webApi } from '@slack/bolt';
import type { OutboxRow } from '../outbox/types.ts';

/** The metadata type every message the bot posts for an outbox effect carries, with the effect's key. */
export const EFFECT_METADATA_TYPE = 'incident_bot_effect';
/** How far back an uncertain attempt's message is looked for. */
const LOOK_BACK_MS = 60_000;

/** The metadata that ties a posted message to the effect that posted it (how a retry finds it). */
export const effectMetadata = (key: string) => ({ event_type: EFFECT_METADATA_TYPE, event_payload: { key } });

/**
 * The message an earlier attempt of this effect posted, if Slack acted but its answer was lost: looked for
 * by the effect's key in the channel's recent history, so a retry never posts twice.
 */
export async function postedBefore(
  client: webApi.WebClient,
  row: Pick<OutboxRow, 'createdAt' | 'idempotencyKey'>,
  channel: string,
): Promise<string | undefined> {
  const history = await client.conversations.history({
    channel,
    oldest: String((row.createdAt - LOOK_BACK_MS) / 1000),
    limit: 200,
    include_all_metadata: true,
  });
  return history.messages?.find(
    (m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key === row.idempotencyKey,
  )?.ts;
}
