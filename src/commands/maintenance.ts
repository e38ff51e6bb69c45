import { ErrorCode, isUserError, UserError } from '../lib/errors.ts';
import { fromWallClock } from '../lib/time-zone.ts';
import { MAINTENANCE_BODY_MAX, MAINTENANCE_NAME_MAX } from '../incidents/maintenance.ts';
import { bounded, stripControl, words } from './parse.ts';
import { bold, code, join, ReplyError, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

const USAGE = '/incident maintenance schedule <start> <end> <components|none> <message> [--channel]';
/** Asks for a Slack channel for the window; without it a window has none. */
const CHANNEL_FLAG = '--channel';
const EXAMPLE =
  '/incident maintenance schedule 2026-12-01T02:00 2h api,web Database upgrade. Brief API errors possible.';

/**
 * `/incident maintenance schedule|list|complete`: planned maintenance windows for the status page.
 * No incident, and no channel unless `--channel` asks: the scheduler moves each window through its steps on time.
 */
export async function maintenance(ctx: CommandContext): Promise<CommandReply> {
  const service = ctx.services.maintenances;
  if (!service) throw new ReplyError(ErrorCode.BadArgument, say`Maintenance windows are not available here.`);
  const [sub, ...rest] = words(ctx.args);
  const zone = ctx.services.settings.timezone;
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
  const span = (m: { scheduledFor: number; scheduledUntil: number }) =>
    `${when.format(m.scheduledFor)} – ${when.format(m.scheduledUntil)} (${zone})`;
  switch (sub?.toLowerCase()) {
    case 'schedule': {
      const channel = rest.some((w) => w.toLowerCase() === CHANNEL_FLAG);
      const [startWord, endWord, componentsWord, ...message] = rest.filter((w) => w.toLowerCase() !== CHANNEL_FLAG);
      if (!startWord && !endWord) {
        // With nothing typed, the same window is asked for in a form (only of someone who may schedule).
        service.check(await ctx.ports.actor());
        await ctx.ports.openForm({ kind: 'maintenance', channelId: ctx.channelId });
        return { text: [] };
      }
      if (!startWord || !endWord || !componentsWord || message.length === 0)
        throw new ReplyError(ErrorCode.BadArgument, say`Usage: ${code(USAGE)}, e.g. ${code(EXAMPLE)}.`);
      // The message is the raw text after the fourth word, the flag taken out wherever it was.
      const args = ctx.args.replace(/(^|\s)--channel(?=\s|$)/gi, ' ');
      const raw = /^\s*\S+\s+\S+\s+\S+\s+\S+\s+([\s\S]*)$/.exec(args)?.[1];
      const components = componentsWord.toLowerCase() === 'none' ? [] : componentsWord.split(',').filter(Boolean);
      return scheduleMaintenance(ctx, { start: startWord, end: endWord, components, message: raw ?? '', channel });
    }
    case 'complete': {
      const id = /^#?(\d{1,12})$/.exec(rest[0] ?? '')?.[1];
      if (!id) throw new ReplyError(ErrorCode.BadArgument, say`Usage: ${code('/incident maintenance complete <id>')}.`);
      const m = service.complete(Number(id), await ctx.ports.actor());
      return {
        text: say`Maintenance ${bold(`#${m.id}`)} “${m.name}” is completed; its components are back to normal.`,
      };
    }
    case 'list':
    case undefined: {
      const open = service.list();
      if (open.length === 0) return { text: say`No maintenance is scheduled. Schedule one: ${code(USAGE)}.` };
      return {
        text: join(open.map((m) => say`• ${bold(`#${m.id}`)} ${m.name} — ${m.status.replace('_', ' ')}, ${span(m)}`)),
      };
    }
    default:
      throw new ReplyError(
        ErrorCode.BadArgument,
        say`${code('/incident maintenance')} takes ${code('schedule')}, ${code('list')} or ${code('complete <id>')}.`,
      );
  }
}

/** What the command's words or the form's fields say; `message` raw, as the platform sent it. */
export interface MaintenanceDraft {
  start: string;
  end: string;
  components: string[];
  message: string;
  channel: boolean;
}
export type MaintenanceField = 'start' | 'end' | 'components' | 'message';

/** A refusal that belongs to one field of the draft (the form shows it under that field). */
export class MaintenanceFieldError extends ReplyError {
  constructor(
    readonly field: MaintenanceField,
    error: UserError,
  ) {
    super(error.code as ErrorCode, error instanceof ReplyError ? error.reply : say`${error.message}`);
  }
}

const field = <T>(name: MaintenanceField, fn: () => T): T => {
  try {
    return fn();
  } catch (error) {
    throw isUserError(error) ? new MaintenanceFieldError(name, error) : error;
  }
};

/** Schedules a window from the command or the form: one parse, one domain call, one reply. */
export async function scheduleMaintenance(
  ctx: Pick<CommandContext, 'services' | 'ports' | 'text' | 'now'>,
  draft: MaintenanceDraft,
): Promise<CommandReply> {
  const service = ctx.services.maintenances;
  if (!service) throw new ReplyError(ErrorCode.BadArgument, say`Maintenance windows are not available here.`);
  const zone = ctx.services.settings.timezone;
  const scheduledFor = field('start', () => parseStart(draft.start, ctx.now, zone));
  const scheduledUntil = field('end', () => parseEnd(draft.end, scheduledFor, zone));
  if (!(scheduledUntil > scheduledFor))
    throw new MaintenanceFieldError(
      'end',
      new UserError(ErrorCode.BadArgument, 'A maintenance window must end after it starts.'),
    );
  // Customers read it: plain text, no mentions, no control characters.
  const body = stripControl(ctx.text.plain(ctx.text.withoutMentions(draft.message)))
    .replace(/[ \t]+/g, ' ')
    .trim();
  field('message', () => {
    if (!body) throw new UserError(ErrorCode.BadArgument, 'Say what the maintenance is.');
    bounded(body, MAINTENANCE_BODY_MAX, 'A maintenance message');
  });
  const known = new Set(ctx.services.settings.components.map((c) => c.id));
  const unknown = draft.components.filter((c) => !known.has(c));
  if (unknown.length > 0)
    throw new MaintenanceFieldError(
      'components',
      new UserError(
        ErrorCode.BadArgument,
        `No such component: ${unknown.join(', ')}. The status page lists: ${[...known].join(', ') || 'none'}.`,
      ),
    );
  const m = service.schedule(
    { name: nameOf(body), body, scheduledFor, scheduledUntil, components: draft.components, channel: draft.channel },
    await ctx.ports.actor(),
  );
  const when = new Intl.DateTimeFormat('en-GB', { timeZone: zone, dateStyle: 'medium', timeStyle: 'short' });
  const span = `${when.format(m.scheduledFor)} – ${when.format(m.scheduledUntil)} (${zone})`;
  return {
    text: say`Scheduled maintenance ${bold(`#${m.id}`)} “${m.name}”, ${span}${m.components.length ? `, on ${m.components.join(', ')}` : ''}. It is on the status page now and moves on its own; ${code(`/incident maintenance complete ${m.id}`)} ends it early.`,
  };
}

/** The window's title: the message's first sentence, shortened to fit. */
function nameOf(body: string): string {
  const first = /^(.*?[.!?])(\s|$)/.exec(body)?.[1] ?? body;
  const line = first.split('\n')[0]!.trim();
  return line.length > MAINTENANCE_NAME_MAX ? `${line.slice(0, MAINTENANCE_NAME_MAX - 1)}…` : line;
}

const STAMP = /^(\d{4})-(\d\d)-(\d\d)[T ](\d\d):(\d\d)(?::(\d\d))?(Z|[+-]\d\d:?\d\d)?$/i;
const DURATION = /^\+?(?:(\d{1,3})d)?(?:(\d{1,3})h)?(?:(\d{1,4})m)?$/i;

function parseStart(word: string, now: number, zone: string): number {
  if (word.toLowerCase() === 'now') return now;
  const ahead = word.startsWith('+') ? duration(word) : undefined;
  return ahead === undefined ? timestamp(word, zone) : now + ahead;
}

function parseEnd(word: string, start: number, zone: string): number {
  const length = duration(word);
  return length === undefined ? timestamp(word, zone) : start + length;
}

/** `2h`, `90m`, `1d2h`, `+30m`: a length of time, or undefined when the word is not one. */
function duration(word: string): number | undefined {
  const m = DURATION.exec(word);
  if (!m || !(m[1] || m[2] || m[3])) return undefined;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
}

/** `2026-12-01T02:00` in the settings' time zone, or with `Z` / an offset as written. */
function timestamp(word: string, zone: string): number {
  const m = STAMP.exec(word);
  if (!m)
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`${code(word.slice(0, 40))} is not a time: write ${code('2026-12-01T02:00')} (${zone}), ${code('2026-12-01T02:00Z')}, ${code('now')}, ${code('+30m')}, or for the end a length such as ${code('2h')}.`,
    );
  const [y, mo, d, h, mi, s] = [1, 2, 3, 4, 5, 6].map((i) => Number(m[i] ?? 0)) as [
    number,
    number,
    number,
    number,
    number,
    number,
  ];
  const wall = Date.UTC(y, mo - 1, d, h, mi, s);
  const check = new Date(wall);
  if (check.getUTCMonth() !== mo - 1 || check.getUTCDate() !== d || h > 23 || mi > 59 || s > 59)
    throw new ReplyError(ErrorCode.BadArgument, say`${code(word.slice(0, 40))} is not a date that exists.`);
  const offset = m[7];
  if (offset?.toUpperCase() === 'Z') return wall;
  if (offset) {
    const sign = offset.startsWith('-') ? -1 : 1;
    const digits = offset.slice(1).replace(':', '');
    return wall - sign * (Number(digits.slice(0, 2)) * 60 + Number(digits.slice(2))) * 60_000;
  }
  return fromWallClock(zone, wall);
}
