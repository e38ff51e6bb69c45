import type { ArgText } from '../commands/types.ts';
import { withoutSlackMentions } from '../text/public-text.ts';

/**
 * Slack sends slash-command text with `&`, `<`, `>` entity-encoded and mentions, channels and links
 * wrapped in angle brackets. Turn it into the plain text a person typed, so the domain stores words,
 * not Slack markup (everything shown back in Slack is escaped again on the way out).
 */
// Labels and URLs stop at the next `<` as well as at `>`: Slack encodes a typed `<` as `&lt;`, so
// markup never holds one, and an opening that never closes is then scanned once, not once per opening
// (`[^>]*` made 100 kB of `<@U1|` quadratic).
const SPECIAL: [RegExp, (m: string, ...g: string[]) => string][] = [
  [/<@([UW][A-Z0-9]+)(?:\|([^<>]*))?>/g, (_m, id, name) => `@${name || id}`],
  [/<#(C[A-Z0-9]+)(?:\|([^<>]*))?>/g, (_m, id, name) => `#${name || id}`],
  [/<!subteam\^([A-Z0-9]+)(?:\|([^<>]*))?>/g, (_m, id, name) => name || `@${id}`],
  [/<!(here|channel|everyone)(?:\|[^<>]*)?>/g, (_m, word) => `@${word}`],
  [/<((?:https?|mailto):[^|<>]+)(?:\|([^<>]*))?>/g, (_m, url, label) => label || url],
];

export function fromSlackText(text: string): string {
  let plain = text;
  for (const [pattern, replace] of SPECIAL) plain = plain.replace(pattern, replace as never);
  return plain.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');
}

/** A Slack user mention as Slack sends it in command text: `<@U123|name>` or `<@U123>`. */
const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/;

export const mentionedUser = (token: string): string | null => MENTION.exec(token)?.[1] ?? null;

/**
 * A mention at the very end names someone (`declare Checkout down @bob`, `followup Add alert @bob`):
 * returns the text before it and the user, or the text unchanged. Found from the end, so the time is
 * linear whatever the text (a `\s*<@…>\s*$` regex took seconds on 40,000 spaces).
 */
export function splitTrailingMention(text: string): { text: string; user: string | null } {
  const trimmed = text.trimEnd();
  const start = trimmed.endsWith('>') ? trimmed.lastIndexOf('<@') : -1;
  const user = start >= 0 ? mentionedUser(trimmed.slice(start)) : null;
  return user ? { text: trimmed.slice(0, start).trimEnd(), user } : { text, user: null };
}

/** Slash-command text: entity-encoded, people named by mention markup. */
export const slackCommandText: ArgText = {
  plain: fromSlackText,
  withoutMentions: withoutSlackMentions,
  userOf: mentionedUser,
  splitTrailingMention,
};

/**
 * A form field: as typed, nothing encoded, and a mention cannot be made there (people are picked
 * with a users select), so there is none to find. The mention removal is kept for what the public
 * reads: it is harmless on plain text.
 */
export const slackFormText: ArgText = {
  plain: (text) => text,
  withoutMentions: withoutSlackMentions,
  userOf: () => null,
  splitTrailingMention: (text) => ({ text, user: null }),
};
