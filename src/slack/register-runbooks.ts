import type { BlockAction, ButtonAction, SlackViewAction } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import { checkParams, paramProblem } from '../runbooks/params.ts';
import { describeStep } from '../runbooks/plan.ts';
import { codeBlock } from './mrkdwn.ts';
import { buttonPress } from './button-press.ts';
import { actorPort, bugReply, refusalOf, type SlackEdgeDeps } from './register-commands.ts';
import { RUNBOOK_ACTION, RUNBOOK_VIEW } from './runbook-views.ts';
import { metadata, viewValues } from './views.ts';

/** The run's buttons (stop, approve, reject) and the parameters form. */
export function registerRunbooks(app: SlackListeners, deps: SlackEdgeDeps): void {
  const rb = deps.services.runbooks;
  if (!rb) return;
  const { client } = deps;

  const button = (
    actionId: string,
    act: (runId: number, step: number, user: string, channel: string) => Promise<string | null> | string | null,
  ) =>
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body, action }) => {
      await ack();
      const { channel, user, log, tell } = buttonPress(deps, body, actionId);
      const [runId, step] = String(action.value ?? '')
        .split(':')
        .map(Number);
      try {
        if (!Number.isInteger(runId))
          throw new UserError(ErrorCode.BadArgument, 'That button no longer refers to a run.');
        const said = await act(runId!, step ?? 0, user, channel);
        if (said) await tell(said);
      } catch (error) {
        const refusal = refusalOf(deps, error);
        if (refusal) return void (await tell(refusal.message));
        log.error({ event: 'interaction.failed', err: error }, 'runbook button failed');
        await tell(bugReply(body.trigger_id));
      }
    });

  // Who may approve, reject or stop is the runner's (and so the domain's) to decide; a stop counts
  // only from the run's own incident channel.
  const actor = (user: string) => actorPort(deps, user)();
  button(RUNBOOK_ACTION.kill, async (runId, _step, user, channel) => {
    const incident = deps.services.incidents.byChannel(channel);
    if (!incident) throw new UserError(ErrorCode.NotInIncidentChannel, "A run is stopped from its incident's channel.");
    rb.runner.kill(runId, await actor(user), incident.id);
    return null;
  });
  button(
    RUNBOOK_ACTION.approve,
    async (runId, step, user) => (await rb.runner.approve(runId, step, await actor(user)), null),
  );
  button(RUNBOOK_ACTION.reject, async (runId, step, user) => (rb.runner.reject(runId, step, await actor(user)), null));

  app.view<SlackViewAction>(RUNBOOK_VIEW, async ({ ack, body, view }) => {
    const meta = metadata(view.private_metadata);
    const user = body.user.id;
    const runbook = rb.set().runbooks.get(String(meta.runbook));
    const incident = deps.services.incidents.get(Number(meta.incident));
    if (!runbook || !incident) return void (await ack({ response_action: 'errors', errors: {} }));
    const v = viewValues(view.state);
    const pairs = Object.entries(runbook.spec.params).flatMap(([name, p]) => {
      const raw = p.type === 'enum' ? (v.choice(`p_${name}`) ?? '') : v.text(`p_${name}`);
      return raw === '' ? [] : [[name, raw] as [string, string]];
    });
    const errors = Object.fromEntries(
      pairs.flatMap(([name, raw]) => {
        const problem = paramProblem(runbook.spec, name, raw);
        return problem ? [[`p_${name}`, problem.slice(0, 150)]] : [];
      }),
    );
    const { values, missing } = Object.keys(errors).length
      ? { values: {}, missing: [] }
      : checkParams(runbook.spec, pairs);
    for (const name of missing) errors[`p_${name}`] = 'Required.';
    // Errors show under their fields and the form keeps what was typed.
    if (Object.keys(errors).length) return void (await ack({ response_action: 'errors', errors }));
    const log = deps.log.child({ source: 'slack', user_id: user, incident_id: incident.id, view: RUNBOOK_VIEW });
    try {
      if (runbook.sha !== meta.sha)
        throw new UserError(
          ErrorCode.Conflict,
          `${runbook.spec.name} changed while the form was open; run the command again.`,
        );
      const dryRun = meta.dryRun === true;
      const runId = rb.runner.start({ incident, runbook, values, dryRun, actor: await actor(user) });
      await ack();
      if (dryRun && incident.channelId) {
        const plan = rb.runner
          .preview({ incident, runbook, values })
          .map((s) => `${s.index + 1}. ${s.name}\n${describeStep(s)}`)
          .join('\n');
        await client.chat.postEphemeral({
          channel: incident.channelId,
          user,
          text: `Dry run of ${runbook.spec.name} (run #${runId}). This is exactly what would run:\n${codeBlock(plan)}`,
        });
      }
    } catch (caught) {
      const error = refusalOf(deps, caught);
      if (!error) {
        log.error({ event: 'interaction.failed', err: caught }, 'runbook form failed');
        throw caught;
      }
      const first = Object.keys(runbook.spec.params)[0];
      await ack(
        first
          ? { response_action: 'errors', errors: { [`p_${first}`]: error.message.slice(0, 150) } }
          : { response_action: 'clear' },
      );
    }
  });
}
