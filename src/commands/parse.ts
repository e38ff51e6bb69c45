import { ErrorCode } from '../lib/errors.ts';
import { STATUSES, type ComponentStatus, type Status } from '../incidents/types.ts';
import { ownValue } from '../lib/own-value.ts';
import { code, join, ReplyError, say } from './reply.ts';
import type { ArgText } from './types.ts';

/** The person a token names (`role commander @bob`), refusing anything that is not one mention. */
export function parseMention(token: string | undefined, what: string, text: ArgText): string {
  const user = token ? text.userOf(token) : null;
  if (user) return user;
  if (token?.startsWith('@')) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Pick ${what} from Slack's list as you type @ so the name becomes a mention; ${code(token.slice(0, 40).replace(/[`&<>]/g, ''))} is plain text.`,
    );
  }
  throw new ReplyError(ErrorCode.BadArgument, say`Name ${what} with an @mention.`);
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

/** Splits on whitespace, keeping a mention's markup (which holds no spaces we need) whole. */
export const words = (text: string): string[] => text.trim().split(/\s+/).filter(Boolean);

export function parseStatus(word: string | undefined): Status {
  const status = word?.toLowerCase();
  if (status && (STATUSES as readonly string[]).includes(status)) return status as Status;
  throw new ReplyError(
    ErrorCode.BadArgument,
    say`Start an update with its status — ${join(STATUSES.map(code), ', ')} — then the message, e.g. ${code('/incident update identified Bad deploy of payments; rolling back')}.`,
  );
}

/** Refuses text that would not fit where it is going, saying how long it is and what fits. */
export function bounded(text: string, max: number, what: string): string {
  if (text.length > max) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`${what} has at most ${max.toLocaleString('en')} characters; this one has ${text.length.toLocaleString('en')}.`,
    );
  }
  return text;
}

const COMPONENT_STATUS_WORDS: Record<string, ComponentStatus> = {
  operational: 'operational',
  ok: 'operational',
  degraded: 'degraded_performance',
  degraded_performance: 'degraded_performance',
  partial: 'partial_outage',
  partial_outage: 'partial_outage',
  major: 'major_outage',
  major_outage: 'major_outage',
  maintenance: 'under_maintenance',
  under_maintenance: 'under_maintenance',
};

/**
 * Pulls `--public` and `--components api:major,web:degraded` out of an update's text; the rest is
 * the message. Flags are whole words, so a message may still mention "--public" inside a sentence.
 */
export function parseUpdateFlags(text: string): {
  message: string;
  public: boolean;
  confirmPrivate: boolean;
  components: { id: string; status: ComponentStatus }[];
} {
  const words = text.split(/(\s+)/);
  let isPublic = false;
  let confirmPrivate = false;
  const components: { id: string; status: ComponentStatus }[] = [];
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--public') {
      isPublic = true;
      continue;
    }
    if (w === '--confirm-private') {
      confirmPrivate = true;
      continue;
    }
    const inline = /^--components=(.*)$/.exec(w);
    if (w === '--components' || inline) {
      const list = inline ? inline[1]! : (words[i + 2] ?? '');
      if (!inline) i += 2;
      for (const item of list.split(',').filter(Boolean)) {
        const [id = '', word = 'major'] = item.split(':');
        const status = ownValue(COMPONENT_STATUS_WORDS, word.toLowerCase());
        if (!status) {
          throw new ReplyError(
            ErrorCode.BadArgument,
            say`${code(item.slice(0, 60))}: say how the component is — operational, degraded, partial, major or maintenance (e.g. ${code('--components api:partial')}).`,
          );
        }
        components.push({ id: id.toLowerCase(), status });
      }
      continue;
    }
    kept.push(w);
  }
  return { message: kept.join('').replace(/\s+/g, ' ').trim(), public: isPublic, confirmPrivate, components };
}
