/**
 * Slack's published Web API limits for the methods the bot calls (docs.slack.dev/apis/web-api/rate-limits
 * and each method's page): Tier 1 1+/min, Tier 2 20+/min, Tier 3 50+/min, Tier 4 100+/min. The "+" is
 * Slack's: a workspace may allow more, never less, so the published figure is the pace to keep; a
 * stricter one is learned from Retry-After (rate-pacer.ts). Methods not listed are not paced.
 */
export interface Limit {
  /** Calls allowed in any window of `windowMs` (before time-scaling). */
  calls: number;
  windowMs: number;
  /** Counted per channel (the call's `channel` argument) rather than per workspace. */
  perChannel?: boolean;
}

const MINUTE = 60_000;
const tier = (perMinute: number): Limit => ({ calls: perMinute, windowMs: MINUTE });
const TIER_2 = tier(20);
const TIER_3 = tier(50);
const TIER_4 = tier(100);

export const SLACK_LIMITS: Readonly<Record<string, Limit>> = {
  'conversations.create': TIER_2,
  'conversations.setTopic': TIER_2,
  'conversations.archive': TIER_2,
  'conversations.list': TIER_2,
  'pins.add': TIER_2,
  'usergroups.users.list': TIER_2,
  'conversations.invite': TIER_3,
  'conversations.history': TIER_3,
  'conversations.replies': TIER_3,
  'chat.update': TIER_3,
  'chat.delete': TIER_3,
  'users.lookupByEmail': TIER_3,
  'users.info': TIER_4,
  'views.open': TIER_4,
  'views.publish': TIER_4,
  'views.update': TIER_4,
  'files.getUploadURLExternal': TIER_4,
  'files.completeUploadExternal': TIER_4,
  // Special tier: "one message per second per channel; short bursts >1 allowed". A burst of five,
  // then one a second on average.
  'chat.postMessage': { calls: 5, windowMs: 5_000, perChannel: true },
  'chat.postEphemeral': { calls: 5, windowMs: 5_000, perChannel: true },
};
