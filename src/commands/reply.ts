import { UserError, type ErrorCode } from '../lib/errors.ts';

/**
 * What a command says back, in no chat platform's markup: a list of parts that the edge renders.
 * A string part is text as typed and is always escaped by the renderer, so text from people can
 * never become a mention, a link or an @channel; structure (bold, code, a person, a channel) is a
 * mark of its own, never characters inside a string.
 */
export type Mark =
  | { kind: 'bold'; reply: Reply }
  | { kind: 'italic'; reply: Reply }
  | { kind: 'code'; text: string }
  | { kind: 'codeBlock'; text: string }
  | { kind: 'user'; id: string }
  | { kind: 'channel'; id: string }
  | { kind: 'emoji'; name: string };

export type Part = string | Mark;
export type Reply = readonly Part[];

/** What may stand in a `say` template: a part, a whole reply (spliced in), or a number (as text). */
type Piece = Part | Reply | number;

function append(parts: Part[], piece: Piece): void {
  if (Array.isArray(piece)) parts.push(...(piece as Reply));
  else if (typeof piece === 'number') parts.push(String(piece));
  else if (piece !== '') parts.push(piece as Part);
}

const reply = (pieces: readonly Piece[]): Reply => {
  const parts: Part[] = [];
  for (const piece of pieces) append(parts, piece);
  return parts;
};

/**
 * Builds a reply from a template: the literal text and every interpolated string are plain text;
 * interpolated marks (`bold(…)`, `user(…)`) and replies keep their structure.
 */
export function say(strings: TemplateStringsArray, ...pieces: Piece[]): Reply {
  return reply(strings.flatMap((literal, i) => (i < pieces.length ? [literal, pieces[i]!] : [literal])));
}

export const bold = (...pieces: Piece[]): Mark => ({ kind: 'bold', reply: reply(pieces) });
export const italic = (...pieces: Piece[]): Mark => ({ kind: 'italic', reply: reply(pieces) });
export const code = (text: string): Mark => ({ kind: 'code', text });
export const codeBlock = (text: string): Mark => ({ kind: 'codeBlock', text });
export const user = (id: string): Mark => ({ kind: 'user', id });
export const channel = (id: string): Mark => ({ kind: 'channel', id });
export const emoji = (name: string): Mark => ({ kind: 'emoji', name });

/** Replies one after the other, with `separator` (plain text) between them. */
export const join = (pieces: readonly Piece[], separator = '\n'): Reply =>
  reply(pieces.flatMap((p, i) => (i > 0 ? [separator, p] : [p])));

/** How one platform writes each mark; `text` is its escaping of plain text. */
export type MarkRenderers = {
  [K in Mark['kind']]: (mark: Extract<Mark, { kind: K }>, render: (r: Reply) => string) => string;
};

/** Renders a reply part by part: plain text through `text`, each mark through its renderer. */
export function renderReplyWith(replyToRender: Reply, text: (plain: string) => string, marks: MarkRenderers): string {
  const mark = (part: Mark): string => (marks[part.kind] as (m: Mark, r: (x: Reply) => string) => string)(part, render);
  const render = (r: Reply): string => r.map((part) => (typeof part === 'string' ? text(part) : mark(part))).join('');
  return render(replyToRender);
}

const PLAIN: MarkRenderers = {
  bold: (m, render) => render(m.reply),
  italic: (m, render) => render(m.reply),
  code: (m) => `\`${m.text}\``,
  codeBlock: (m) => m.text,
  user: (m) => `@${m.id}`,
  channel: (m) => `#${m.id}`,
  emoji: (m) => `:${m.name}:`,
};

/** The reply as unformatted text: for logs, and where only plain text shows (a form field's error). */
export const plainText = (r: Reply): string => renderReplyWith(r, (s) => s, PLAIN);

/** A user error whose message has structure (commands to type, people): the edge renders `reply`. */
export class ReplyError extends UserError {
  constructor(
    code: ErrorCode,
    readonly reply: Reply,
  ) {
    super(code, plainText(reply));
  }
}
