import { ErrorCode, UserError } from '../lib/errors.ts';
import type { Runbook } from '../runbooks/load.ts';
import { checkParams, describeParam, tokenize } from '../runbooks/params.ts';
import { describeStep } from '../runbooks/plan.ts';
import { runbookParamsModal } from '../slack/runbook-views.ts';
import { codeBlock, escapeMrkdwn as e } from '../slack/mrkdwn.ts';
import { incidentHere } from './incident-here.ts';
import { fromSlackText, splitVerb } from './slack-text.ts';
import type { CommandContext, CommandReply } from './types.ts';

const USAGE = '`/incident runbook list` · `/incident runbook run <name> [key=value …] [--dry-run]` · `/incident runbook stop <run id>`';

function services(ctx: CommandContext) {
  const rb = ctx.services.runbooks;
  if (!rb) throw new UserError(ErrorCode.NotFound, 'Runbooks are not set up here.');
  return rb;
}

function find(ctx: CommandContext, name: string | undefined): Runbook {
  const set = services(ctx).set();
  if (!name) throw new UserError(ErrorCode.BadArgument, `Which runbook? ${USAGE}`);
  const runbook = set.runbooks.get(name);
  if (!runbook) {
    const names = [...set.runbooks.keys()].sort();
    throw new UserError(ErrorCode.NotFound, `There is no runbook \`${e(name.slice(0, 63))}\`.${names.length ? ` Runbooks: ${names.join(', ')}.` : ' None are loaded.'}`);
  }
  return runbook;
}

function list(ctx: CommandContext): CommandReply {
  const set = services(ctx).set();
  const lines = [...set.runbooks.values()].sort((a, b) => a.spec.name.localeCompare(b.spec.name)).map(({ spec, sha }) => {
    const params = Object.entries(spec.params).map(([n, p]) => describeParam(n, p));
    const confirm = spec.steps.some((s) => s.confirm) ? ' · asks for approval' : '';
    return `• *${e(spec.name)}* v${e(spec.version)} (${sha}) — ${e(spec.description)}${confirm}${params.length ? `\n   \`${e(params.join(' '))}\`` : ''}`;
  });
  const problems = set.problems.length ? `\n:warning: ${set.problems.length} problem(s) kept some runbook files from loading (\`incident-bot doctor\` lists them):\n${codeBlock(set.problems.slice(0, 5).join('\n'))}` : '';
  return { text: `${lines.length ? `*Runbooks*\n${lines.join('\n')}` : 'No runbooks are loaded.'}${problems}\n${USAGE}` };
}

async function run(ctx: CommandContext, rest: string): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'runbook run');
  const { verb: name, rest: more } = splitVerb(rest);
  const runbook = find(ctx, name || undefined);
  const actor = await ctx.ports.actor();
  // Refused before any form opens; the runner asks the domain again when the run starts.
  ctx.services.incidents.authorizeRunbook(incident.id, actor, 'run', { name: runbook.spec.name, allowed: runbook.spec.allowed });
  const { pairs, flags, stray } = tokenize(fromSlackText(more));
  const unknownFlag = flags.find((f) => f !== '--dry-run');
  if (unknownFlag) throw new UserError(ErrorCode.BadArgument, `\`${e(unknownFlag.slice(0, 40))}\` is not an option; the only one is \`--dry-run\`.`);
  if (stray.length) throw new UserError(ErrorCode.BadArgument, `Give parameters as key=value (\`${e(stray[0]!.slice(0, 40))}\` is not). ${runbook.spec.name} takes: ${Object.entries(runbook.spec.params).map(([n, p]) => describeParam(n, p)).join(' ') || 'nothing'}.`);
  const dryRun = flags.includes('--dry-run');
  const { values, missing } = checkParams(runbook.spec, pairs);
  if (missing.length) {
    await ctx.ports.openModal(runbookParamsModal(runbook, { incidentId: incident.id, given: Object.fromEntries(pairs), dryRun }));
    return { text: `${runbook.spec.name} needs ${missing.join(', ')}: fill them in the form.` };
  }
  const { runner } = services(ctx);
  const runId = runner.start({ incident, runbook, values, dryRun, actor });
  if (!dryRun) return { text: `Started ${runbook.spec.name} (run #${runId}); its output follows in the channel.` };
  const plan = runner.preview({ incident, runbook, values });
  const shown = plan.map((s) => `${s.index + 1}. ${s.name}${s.dryRunSafe ? ' (safe: runs in a dry run)' : ''}${s.confirm ? ' (needs approval)' : ''}\n${describeStep(s)}`).join('\n');
  return { text: `Dry run of ${runbook.spec.name} (run #${runId}). This is exactly what would run:\n${codeBlock(shown)}` };
}

async function stop(ctx: CommandContext, rest: string): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'runbook stop');
  const id = Number(rest.trim().replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0) throw new UserError(ErrorCode.BadArgument, 'Which run? `/incident runbook stop <run id>` (the id is in the run message).');
  services(ctx).runner.kill(id, await ctx.ports.actor(), incident.id);
  return { text: `Stopping run #${id}.` };
}

/** `/incident runbook list | run <name> key=value … [--dry-run] | stop <run id>` */
export async function runbook(ctx: CommandContext): Promise<CommandReply> {
  const { verb, rest } = splitVerb(ctx.args);
  const sub = verb || 'list';
  const SUB: Record<string, () => CommandReply | Promise<CommandReply>> = {
    list: () => list(ctx),
    ls: () => list(ctx),
    run: () => run(ctx, rest),
    stop: () => stop(ctx, rest),
  };
  const handler = Object.hasOwn(SUB, sub.toLowerCase()) ? SUB[sub.toLowerCase()] : undefined;
  if (!handler) throw new UserError(ErrorCode.BadArgument, `\`${e(sub.slice(0, 40))}\` is not a runbook command. ${USAGE}`);
  return handler();
}
