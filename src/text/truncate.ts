/** What a cut text ends with, so a reader knows there was more (and where to find it: the source). */
const TRUNCATED = '… [truncated]';

/** At most `max` characters; a longer text is cut (between code points) and ends with the marker. */
export function truncateMarked(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - TRUNCATED.length);
  // Never split a surrogate pair: half of one is not a character.
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end).trimEnd()}${TRUNCATED}`;
}

/** Cuts text to at most `max` characters, marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 1)).trimEnd()}…`;
}
