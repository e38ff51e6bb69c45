import { ErrorCode, UserError } from '../errors.ts';
import { STATUSES, type Status } from '../incidents/types.ts';

/** A Slack user mention as Slack sends it in command text: `<@U123|name>` or `<@U123>`. */
const MENTION = /^<@([UW][A-Z0-9]{2,})(?:\|[^>]*)?>$/;

export function parseMention(token: string | undefined, what: string): string {
  const match = token ? MENTION.exec(token) : null;
  if (match) return match[1]!;
  if (token?.startsWith('@')) {
    throw new UserError(ErrorCode.BadArgument, `Pick ${what} from Slack's list as you type @ so the name becomes a mention; \`${token.slice(0, 40).replace(/[`&<>]/g, '')}\` is plain text.`);
  }
  throw new UserError(ErrorCode.BadArgument, `Name ${what} with an @mention.`);
}

/** Splits on whitespace, keeping Slack's `<…>` markup (which never contains spaces we need) whole. */
export const words = (text: string): string[] => text.trim().split(/\s+/).filter(Boolean);

export function parseStatus(word: string | undefined): Status {
  const status = word?.toLowerCase();
  if (status && (STATUSES as readonly string[]).includes(status)) return status as Status;
  throw new UserError(
    ErrorCode.BadArgument,
    `Start an update with its status — ${STATUSES.map((s) => `\`${s}\``).join(', ')} — then the message, e.g. \`/incident update identified Bad deploy of payments; rolling back\`.`,
  );
}

/** Refuses text that would not fit where it is going, saying how long it is and what fits. */
export function bounded(text: string, max: number, what: string): string {
  if (text.length > max) {
    throw new UserError(ErrorCode.BadArgument, `${what} has at most ${max.toLocaleString('en')} characters; this one has ${text.length.toLocaleString('en')}.`);
  }
  return text;
}
