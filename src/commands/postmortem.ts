import { ErrorCode } from '../lib/errors.ts';
import { incidentHere } from './incident-here.ts';
import { bold, code, join, ReplyError, say } from './reply.ts';
import type { PublicReport } from '../incidents/public-report.ts';
import type { CommandContext, CommandReply } from './types.ts';

export async function postmortem(ctx: CommandContext): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'postmortem');
  const args = ctx.args.trim();
  if (/^publish\b/i.test(args)) return publishReport(ctx, incident.id, args.split(/\s+/).slice(1));
  if (args && args !== '--force') {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Use ${code('/incident postmortem')}, ${code('/incident postmortem --force')} to replace a report edited by hand, or ${code('/incident postmortem publish')} to put its public part on the status page.`,
    );
  }
  ctx.services.incidents.requestPostmortem(incident.id, await ctx.ports.actor(), args === '--force');
  return { text: say`Drafting the report for incident #${incident.id}; its link will be posted here.` };
}

/**
 * `postmortem publish`: shows the one asking exactly what would go public; `publish confirm <digest>`
 * publishes that text, and only that (a report that changed since must be previewed again).
 */
async function publishReport(ctx: CommandContext, incidentId: number, rest: string[]): Promise<CommandReply> {
  const reports = ctx.services.reports;
  if (!reports) throw new ReplyError(ErrorCode.BadArgument, say`Public reports are not available here.`);
  const actor = await ctx.ports.actor();
  if (rest[0]?.toLowerCase() === 'confirm') {
    const digest = /^[0-9a-f]{10}$/.test(rest[1] ?? '') ? rest[1]! : '';
    if (!digest)
      throw new ReplyError(
        ErrorCode.BadArgument,
        say`Confirm with the code the preview gave: ${code('/incident postmortem publish confirm <code>')}.`,
      );
    reports.confirm(incidentId, actor, digest);
    return { text: say`The report of incident #${incidentId} is on its status page now, and in the feed.` };
  }
  const { report, digest } = reports.preview(incidentId, actor);
  return {
    text: join([
      say`${bold('Preview: only this goes public')} on the status page of incident #${incidentId}. Nothing is published until you confirm.`,
      ...previewLines(report),
      say`Publish exactly this: ${code(`/incident postmortem publish confirm ${digest}`)}`,
    ]),
  };
}

function previewLines(r: PublicReport) {
  return [
    say`${bold('Summary')}: ${r.summary}`,
    say`${bold('Who was affected?')} ${r.affected.impact ?? '—'}${r.affected.components.map((c) => ` · ${c.name}: ${c.worst.replace(/_/g, ' ')}, ${c.minutes} min`).join('')}`,
    say`${bold('What happened?')}`,
    ...r.happened.map(
      (h) => say`• ${new Date(h.at).toISOString().slice(0, 16).replace('T', ' ')} UTC, ${h.status}: ${h.text}`,
    ),
    say`${bold("What we're doing")}`,
    ...(r.doing.length ? r.doing.map((d) => say`• ${d}`) : [say`• —`]),
  ];
}
