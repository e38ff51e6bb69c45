import { ErrorCode, UserError } from '../lib/errors.ts';
import { DESCRIPTION_MAX, SEVERITIES, TITLE_MAX, type Severity } from '../incidents/types.ts';
import { escapeMrkdwn, truncate } from '../slack/mrkdwn.ts';
import { severityLabel } from '../incidents/labels.ts';
import { declareModal } from '../slack/views.ts';
import { withoutSlackMentions } from '../text/public-text.ts';
import { splitTrailingMention } from './parse.ts';
import { fromSlackText, stripControl } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

const SEVERITY_TOKEN = /^sev-?([1-4])$/i;

/**
 * What the public will call the incident: the title with every Slack mention removed (not turned
 * into `@name`), or a neutral name when nothing else is left.
 */
export function publicTitleOf(args: string, encoding: 'slack' | 'plain' = 'slack'): string {
  try {
    return parseDeclare(withoutSlackMentions(args), 'sev3', encoding).title;
  } catch {
    return 'Service incident';
  }
}

/** "Checkout is down sev1" → title and severity; the severity, if given, is the last word. */
export function parseDeclare(
  args: string,
  defaultSeverity: Severity,
  // Slash-command text comes entity-encoded with mention markup; a form field comes as typed.
  encoding: 'slack' | 'plain' = 'slack',
): { title: string; severity: Severity; description: string | null } {
  const text = stripControl(encoding === 'slack' ? fromSlackText(args) : args).replace(/\s+/g, ' ').trim();
  const words = text.split(' ');
  const last = SEVERITY_TOKEN.exec(words.at(-1) ?? '');
  const severity = last ? SEVERITIES[Number(last[1]) - 1]! : defaultSeverity;
  const full = (last ? words.slice(0, -1) : words).join(' ').trim();
  if (full.length === 0) {
    throw new UserError(
      ErrorCode.BadArgument,
      'Give the incident a title: `/incident declare <what is broken> [sev1-4]`, e.g. `/incident declare Checkout is down sev1`.',
    );
  }
  if (full.length > DESCRIPTION_MAX) {
    throw new UserError(
      ErrorCode.BadArgument,
      `That title is ${full.length.toLocaleString('en')} characters; the most is ${DESCRIPTION_MAX.toLocaleString('en')}. ` +
        'Declare with a short title, then add details with `/incident note` in the incident channel.',
    );
  }
  // A long title is kept whole as the description rather than rejected: at 3 a.m. nobody retypes.
  if (full.length > TITLE_MAX) return { title: truncate(full, TITLE_MAX), severity, description: full };
  return { title: full, severity, description: null };
}

export async function declare(ctx: CommandContext): Promise<CommandReply> {
  const { services, userId, log } = ctx;
  if (!ctx.args.trim()) {
    await ctx.ports.openModal(declareModal(services.settings.default_severity, ctx.channelId, services.settings.components));
    return { text: '' };
  }
  // A trailing `<@U…>` names the commander: `/incident declare Checkout down sev1 @bob`.
  const { text: args, user } = splitTrailingMention(ctx.args);
  const commander = user ?? undefined;
  const parsed = parseDeclare(args, services.settings.default_severity);
  const incident = services.incidents.declare({ ...parsed, publicTitle: publicTitleOf(args), declaredBy: userId, commander, source: 'slack' });
  log.info({ incident_id: incident.id, severity: incident.severity }, 'incident declared');
  const lead = commander && commander !== userId ? `<@${commander}> is commander` : 'you are commander';
  return {
    text: `Declared incident #${incident.id}: *${escapeMrkdwn(incident.title)}* (${severityLabel(incident)}). Opening its channel now; ${lead}.`,
  };
}
