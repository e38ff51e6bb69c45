import { ErrorCode } from '../lib/errors.ts';
import { ack } from './ack.ts';
import { automations } from './automations.ts';
import { declare } from './declare.ts';
import { followup } from './followup.ts';
import { help } from './help.ts';
import { impact } from './impact.ts';
import { postmortem } from './postmortem.ts';
import { publicName } from './public-name.ts';
import { list } from './list.ts';
import { maintenance } from './maintenance.ts';
import { mitigate } from './mitigate.ts';
import { note } from './note.ts';
import { page } from './page.ts';
import { reopen } from './reopen.ts';
import { role } from './role.ts';
import { sev } from './sev.ts';
import { status } from './status.ts';
import { stats } from './stats.ts';
import { update } from './update.ts';
import { resolve } from './resolve.ts';
import { runbook } from './runbook.ts';
import { ownValue } from '../lib/own-value.ts';
import { splitVerb } from './parse.ts';
import { code, ReplyError, say } from './reply.ts';
import type { CommandContext, CommandReply, CommandSpec } from './types.ts';

/** Every `/incident` verb, in the order `help` lists them. */
export const COMMANDS: Record<string, CommandSpec> = {
  declare: {
    handler: declare,
    usage: 'declare [title] [sev1-4] [@commander]',
    summary: 'open an incident with its own channel (no title: a form)',
  },
  status: { handler: status, usage: 'status', summary: 'state, severity, roles, age, last and next update' },
  update: {
    handler: update,
    usage: 'update <investigating|identified|monitoring|resolved> <message> [--public] [--components api:major,…]',
    summary: 'post a status update; --public also puts it on the status page (no text: a form)',
  },
  'public-name': {
    handler: publicName,
    usage: 'public-name [name]',
    summary: 'what the status page calls the incident (shown, or set)',
  },
  sev: { handler: sev, usage: 'sev <1-4>', summary: 'change the severity' },
  role: {
    handler: role,
    usage: 'role <commander|comms> @user [--both]',
    summary: 'hand a role to someone (--both: the commander confirms they will be comms lead too)',
  },
  note: { handler: note, usage: 'note <text>', summary: 'add a note to the timeline' },
  mitigate: { handler: mitigate, usage: 'mitigate', summary: 'the fix is in: mark mitigated, now monitoring' },
  ack: { handler: ack, usage: 'ack', summary: 'acknowledge (and in PagerDuty, if paged)' },
  resolve: { handler: resolve, usage: 'resolve [message]', summary: 'resolve (and in PagerDuty, if paged)' },
  page: {
    handler: page,
    usage: 'page <PagerDuty service id | policy:escalation policy id> [message]',
    summary: 'page someone in PagerDuty from this incident; whoever acknowledges is invited here',
  },
  impact: { handler: impact, usage: 'impact <who was affected>', summary: 'say who was affected, for the report' },
  followup: {
    handler: followup,
    usage: 'followup <what> [@owner]',
    summary: 'a follow-up action (becomes a GitHub issue)',
  },
  postmortem: {
    handler: postmortem,
    usage: 'postmortem [--force] | postmortem publish [confirm <code>]',
    summary: 'draft the post-incident report (a GitHub pull request); publish previews its public part, then publishes',
  },
  runbook: {
    handler: runbook,
    usage: 'runbook list | run <name> [key=value …] [--dry-run] | stop <run id>',
    summary: 'list, run (or dry-run) and stop vetted runbooks',
  },
  automations: {
    handler: automations,
    usage: 'automations [off|on]',
    summary: 'what the automations did in this incident; off pauses them here, on resumes them',
  },
  maintenance: {
    handler: maintenance,
    usage: 'maintenance schedule <start> <end> <components|none> <message> | list | complete <id>',
    summary: 'planned maintenance on the status page (no incident, no channel)',
  },
  reopen: { handler: reopen, usage: 'reopen', summary: 'reopen a resolved incident' },
  list: { handler: list, usage: 'list', summary: 'open incidents, anywhere' },
  stats: {
    handler: stats,
    usage: 'stats [7d|30d|90d|quarter] [sev1…] [service…]',
    summary: 'time to acknowledge and resolve, pages, against the period before; a link to the insights page',
  },
  help: { handler: help(() => COMMANDS), usage: 'help', summary: 'list these commands' },
};

const ALIASES: Record<string, string> = {
  '': 'help',
  '?': 'help',
  new: 'declare',
  open: 'declare',
  acknowledge: 'ack',
  severity: 'sev',
  roles: 'role',
  ls: 'list',
  pm: 'postmortem',
  rb: 'runbook',
  runbooks: 'runbook',
  automation: 'automations',
  'follow-up': 'followup',
};

export async function runCommand(
  text: string,
  ctx: Omit<CommandContext, 'args'>,
  table: Record<string, CommandSpec> = COMMANDS,
): Promise<CommandReply> {
  const { verb, rest } = splitVerb(text);
  const name = ownValue(ALIASES, verb) ?? verb;
  const spec = Object.hasOwn(table, name) ? table[name] : undefined;
  if (!spec) {
    const guess = closest(name, Object.keys(table));
    const didYouMean = guess ? say` Did you mean ${code(`/incident ${guess}`)}?` : [];
    throw new ReplyError(
      ErrorCode.UnknownVerb,
      say`${code(verb.slice(0, 40))} is not an /incident command.${didYouMean} ${code('/incident help')} lists them all.`,
    );
  }
  return spec.handler({ ...ctx, args: rest });
}

/** The known verb within two edits of what was typed, if any. */
function closest(word: string, candidates: string[]): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= 2 && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/**
 * Edits between two words, a swap of neighbours counting as one (optimal string alignment), so that
 * `stauts` is one edit from `status` (and ties go to the verb listed first), not two.
 */
function editDistance(a: string, b: string): number {
  if (Math.abs(a.length - b.length) > 2) return 3;
  let before: number[] = [];
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        cur[j] = Math.min(cur[j]!, before[j - 2]! + 1);
    }
    before = prev;
    prev = cur;
  }
  return prev[b.length]!;
}
