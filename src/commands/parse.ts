import { ErrorCode, UserError } from '../lib/errors.ts';
import { STATUSES, type ComponentStatus, type Status } from '../incidents/types.ts';
import { ownValue } from '../lib/own-value.ts';

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

/**
 * A mention at the very end names someone (`declare Checkout down @bob`, `followup Add alert @bob`):
 * returns the text before it and the user, or the text unchanged. Found from the end, so the time is
 * linear whatever the text (a `\s*<@…>\s*$` regex took seconds on 40,000 spaces).
 */
export function splitTrailingMention(text: string): { text: string; user: string | null } {
  const trimmed = text.trimEnd();
  const start = trimmed.endsWith('>') ? trimmed.lastIndexOf('<@') : -1;
  const match = start >= 0 ? MENTION.exec(trimmed.slice(start)) : null;
  return match ? { text: trimmed.slice(0, start).trimEnd(), user: match[1]! } : { text, user: null };
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
export function parseUpdateFlags(text: string): { message: string; public: boolean; components: { id: string; status: ComponentStatus }[] } {
  const words = text.split(/(\s+)/);
  let isPublic = false;
  const components: { id: string; status: ComponentStatus }[] = [];
  const kept: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (w === '--public') {
      isPublic = true;
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
          throw new UserError(ErrorCode.BadArgument, `\`${item.slice(0, 60)}\`: say how the component is — operational, degraded, partial, major or maintenance (e.g. \`--components api:partial\`).`);
        }
        components.push({ id: id.toLowerCase(), status });
      }
      continue;
    }
    kept.push(w);
  }
  return { message: kept.join('').replace(/\s+/g, ' ').trim(), public: isPublic, components };
}
