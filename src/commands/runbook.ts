import { ErrorCode } from '../lib/errors.ts';
import type { Runbook } from '../runbooks/load.ts';
import { checkParams, describeParam, tokenize } from '../runbooks/params.ts';
import { describeStep } from '../runbooks/plan.ts';
import { incidentHere } from './incident-here.ts';
import { splitVerb } from './parse.ts';
import { bold, code, codeBlock, emoji, join, ReplyError, say } from './reply.ts';
import type { CommandContext, CommandReply } from './types.ts';

const USAGE = say`${code('/incident runbook list')} · ${code('/incident runbook run <name> [key=value …] [--dry-run]')} · ${code('/incident runbook stop <run id>')}`;

function services(ctx: CommandContext) {
  const rb = ctx.services.runbooks;
  if (!rb) throw new ReplyError(ErrorCode.NotFound, say`Runbooks are not set up here.`);
  return rb;
}

function find(ctx: CommandContext, name: string | undefined): Runbook {
  const set = services(ctx).set();
  if (!name) throw new ReplyError(ErrorCode.BadArgument, say`Which runbook? ${USAGE}`);
  const runbook = set.runbooks.get(name);
  if (!runbook) {
    const names = [...set.runbooks.keys()].sort();
    const known = names.length ? ` Runbooks: ${names.join(', ')}.` : ' None are loaded.';
    throw new ReplyError(ErrorCode.NotFound, say`There is no runbook ${code(name.slice(0, 63))}.${known}`);
  }
  return runbook;
}

function list(ctx: CommandContext): CommandReply {
  const set = services(ctx).set();
  const lines = [...set.runbooks.values()]
    .sort((a, b) => a.spec.name.localeCompare(b.spec.name))
    .map(({ spec, sha }) => {
      const params = Object.entries(spec.params).map(([n, p]) => describeParam(n, p));
      const confirm = spec.steps.some((s) => s.confirm) ? ' · asks for approval' : '';
      const shown = params.length ? say`\n   ${code(params.join(' '))}` : [];
      return say`• ${bold(spec.name)} v${spec.version} (${sha}) — ${spec.description}${confirm}${shown}`;
    });
  const doctor = code('incident-bot doctor');
  const problems = set.problems.length
    ? say`\n${emoji('warning')} ${set.problems.length} problem(s) kept some runbook files from loading (${doctor} lists them):\n${codeBlock(set.problems.slice(0, 5).join('\n'))}`
    : [];
  const loaded = lines.length ? join([[bold('Runbooks')], ...lines]) : say`No runbooks are loaded.`;
  return { text: say`${loaded}${problems}\n${USAGE}` };
}

async function run(ctx: CommandContext, rest: string): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'runbook run');
  const { verb: name, rest: more } = splitVerb(rest);
  const runbook = find(ctx, name || undefined);
  const actor = await ctx.ports.actor();
  // Refused before any form opens; the runner asks the domain again when the run starts.
  ctx.services.incidents.authorizeRunbook(incident.id, actor, 'run', {
    name: runbook.spec.name,
    allowed: runbook.spec.allowed,
  });
  const { pairs, flags, stray } = tokenize(ctx.text.plain(more));
  const unknownFlag = flags.find((f) => f !== '--dry-run');
  if (unknownFlag)
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`${code(unknownFlag.slice(0, 40))} is not an option; the only one is ${code('--dry-run')}.`,
    );
  if (stray.length) {
    const takes =
      Object.entries(runbook.spec.params)
        .map(([n, p]) => describeParam(n, p))
        .join(' ') || 'nothing';
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Give parameters as key=value (${code(stray[0]!.slice(0, 40))} is not). ${runbook.spec.name} takes: ${takes}.`,
    );
  }
  const dryRun = flags.includes('--dry-run');
  const { values, missing } = checkParams(runbook.spec, pairs);
  if (missing.length) {
    await ctx.ports.openForm({
      kind: 'runbook_params',
      runbook,
      incidentId: incident.id,
      given: Object.fromEntries(pairs),
      dryRun,
    });
    return { text: say`${runbook.spec.name} needs ${missing.join(', ')}: fill them in the form.` };
  }
  const { runner } = services(ctx);
  const runId = runner.start({ incident, runbook, values, dryRun, actor });
  if (!dryRun) return { text: say`Started ${runbook.spec.name} (run #${runId}); its output follows in the channel.` };
  const plan = runner.preview({ incident, runbook, values });
  const shown = plan
    .map(
      (s) =>
        `${s.index + 1}. ${s.name}${s.dryRunSafe ? ' (safe: runs in a dry run)' : ''}${s.confirm ? ' (needs approval)' : ''}\n${describeStep(s)}`,
    )
    .join('\n');
  return {
    text: say`Dry run of ${runbook.spec.name} (run #${runId}). This is exactly what would run:\n${codeBlock(shown)}`,
  };
}

async function stop(ctx: CommandContext, rest: string): Promise<CommandReply> {
  const incident = incidentHere(ctx, 'runbook stop');
  const id = Number(rest.trim().replace(/^#/, ''));
  if (!Number.isInteger(id) || id <= 0) {
    throw new ReplyError(
      ErrorCode.BadArgument,
      say`Which run? ${code('/incident runbook stop <run id>')} (the id is in the run message).`,
    );
  }
  services(ctx).runner.kill(id, await ctx.ports.actor(), incident.id);
  return { text: say`Stopping run #${id}.` };
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
  if (!handler)
    throw new ReplyError(ErrorCode.BadArgument, say`${code(sub.slice(0, 40))} is not a runbook command. ${USAGE}`);
  return handler();
}
