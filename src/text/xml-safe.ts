/**
 * Characters XML 1.0 has no place for: C0 controls other than tab, newline and carriage return,
 * U+FFFE, U+FFFF, and surrogates that are not part of a pair. One of them in a stored text is
 * enough to make the Atom feed (and any other XML we write) unreadable, so they are dropped where
 * untrusted input comes in, and again when XML is written (for what was stored before).
 * `u` mode: a well-formed pair is one code point there, so `\p{Cs}` matches only lone halves.
 */
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/gu;
// eslint-disable-next-line no-control-regex
const ANY_FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;

export function xmlSafe(text: string): string {
  return ANY_FORBIDDEN.test(text) ? text.replace(FORBIDDEN, '') : text;
}

/** Deeper than any payload Slack or PagerDuty sends; anything below is left as it is (and bounded by its schema). */
const MAX_DEPTH = 32;

/**
 * `xmlSafe` on every string in a parsed request body (JSON or form), in place: the edges hand the
 * same objects on (Bolt's `command`, `view` and `event` are parts of its `body`), so replacing them
 * would not reach the handlers. Returns the value, cleaned.
 */
export function xmlSafeDeep<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return xmlSafe(value) as T;
  if (value === null || typeof value !== 'object' || depth >= MAX_DEPTH) return value;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) {
    const item = record[key];
    const clean = xmlSafeDeep(item, depth + 1);
    if (clean !== item) record[key] = clean;
  }
  return value;
}
