import { ErrorCode } from '../lib/errors.ts';
import { severityLabel } from '../incidents/labels.ts';
import { DESCRIPTION_MAX, SEVERITIES, TITLE_MAX, type Severity } from '../incidents/types.ts';
import { truncate } from '../text/truncate.ts';
import { stripControl } from './parse.ts';
import { bold, code, join, ReplyError, say, user } from './reply.ts';
import type { ArgText, CommandContext, CommandReply } from './types.ts';

const SEVERITY_TOKEN = /^sev-?([1-4])$/i;

/**
 * What the public will call the incident: the title with every mention removed (not turned into
 * `@name`), or a neutral name when nothing else is left.
 */
export function publicTitleOf(args: string, text: ArgText): string {
  try {
    return parseDeclare(text.withoutMentions(args), 'sev3', text).title;
  } catch {
    return 'Service incident';
  }
}

/** "Checkout is down sev1" → title and severity; the severity, if given, is the last word. */
export function parseDeclare(
  args: string,
  defaultSeverity: Severity,
  // Slash-command text comes encoded with mention markup; a form field comes as typed.
  text: ArgText,
): { title: string; severity: Severity; description: string | null } {
  const plain = stripControl(text.plain(args)).replace(/\s+/g, ' ').trim();
  const words = plain.split(' ');
  const last = SEVERITY_TOKEN.exec(words.at(-1) ?? '');
  const severity = last ? SEVERITIES[Number(last[1]) - 1]! : defaultSeverity;
  const full = (last ? words.slice(0, -1) : words).join(' ').trim();
  if (full.length === 0) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Give the incident a title: ${code('/incident declare <what is broken> [sev1-4]')}, e.g. ${code('/incident declare Checkout is down sev1')}.`,
    );
  }
  if (full.length > DESCRIPTION_MAX) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      join(
        [
          say`That title is ${full.length.toLocaleString('en')} characters; the most is ${DESCRIPTION_MAX.toLocaleString('en')}.`,
          say`Declare with a short title, then add details with ${code('/incident note')} in the incident channel.`,
        ],
        ' ',
      ),
    );
  }
  // A long title is kept whole as the description rather than rejected: at 3 a.m. nobody retypes.
  if (full.length > TITLE_MAX) return { title: truncate(full, TITLE_MAX), severity, description: full };
  return { title: full, severity, description: null };
}

/** `--private` anywhere among the words: a private incident (the flag is not part of the title). */
const PRIVATE_FLAG = /(^|\s)--private(?=\s|$)/g;

export async function declare(ctx: CommandContext): Promise<CommandReply> {
  const { services, userId, log } = ctx;
  const rest = ctx.args.replace(PRIVATE_FLAG, ' ');
  const isPrivate = rest !== ctx.args;
  if (!rest.trim()) {
    await ctx.ports.openForm({ kind: 'declare', channelId: ctx.channelId });
    return { text: [] };
  }
  // A trailing mention names the commander: `/incident declare Checkout down sev1 @bob`.
  const { text: args, user: commander } = ctx.text.splitTrailingMention(rest);
  const parsed = parseDeclare(args, services.settings.default_severity, ctx.text);
  const incident = services.incidents.declare({
    ...parsed,
    publicTitle: publicTitleOf(args, ctx.text),
    declaredBy: userId,
    commander: commander ?? undefined,
    source: 'slack',
    private: isPrivate,
  });
  log.info({ event: 'incident.declared', incident_id: incident.id, severity: incident.severity }, 'incident declared');
  const lead = commander && commander !== userId ? say`${user(commander)} is commander` : 'you are commander';
  return {
    text: say`Declared ${incident.private ? 'private ' : ''}incident #${incident.id}: ${bold(incident.title)} (${severityLabel(incident)}). Opening its ${incident.private ? 'private ' : ''}channel now; ${lead}.`,
  };
}
