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

/** Drops control characters (keeping newlines and tabs) that have no business in a title or note. */
export function stripControl(text: string): string {
  // eslint-disable-next-line no-control-regex
  return text.replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, '');
}

/** Splits "verb rest of text" into the lower-cased verb and the rest, trimmed. */
export function splitVerb(text: string): { verb: string; rest: string } {
  const trimmed = text.trim();
  const match = /^(\S+)\s*([\s\S]*)$/.exec(trimmed);
  if (!match) return { verb: '', rest: '' };
  return { verb: match[1]!.toLowerCase(), rest: match[2]!.trim() };
}
