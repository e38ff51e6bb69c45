import { SLACK_LIMITS } from '../../src/slack/rate-tiers.ts';

/** The methods a page calls that Slack limits per minute, at their published tiers (for the fake's `tiers`). */
export const PUBLISHED = Object.fromEntries(
  [
    'conversations.create',
    'conversations.setTopic',
    'conversations.invite',
    'pins.add',
    'users.lookupByEmail',
    'users.info',
    'chat.update',
  ].map((m) => [m, SLACK_LIMITS[m]!.calls]),
);

/** The test bots pace at ×60 (test-bot.ts's SLACK_RATE_SCALE); the fake enforces the same compression. */
export const SCALE = 60;
