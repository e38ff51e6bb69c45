import type { webApi } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { COMMANDS, runCommand } from '../commands/index.ts';
import { splitVerb } from '../commands/parse.ts';
import type { CommandPorts, CommandServices, FormRequest } from '../commands/types.ts';
import type { StorageGuard } from '../db/storage-health.ts';
import { isUserError, type UserError } from '../lib/errors.ts';
import type { Logger } from '../lib/logger.ts';
import type { Tracer } from '../lib/telemetry.ts';
import { slackCommandText } from './command-text.ts';
import { formView } from './form-views.ts';
import { renderReply, userErrorText } from './render-reply.ts';
import type { ActorLookup } from './user-groups.ts';
import { confirmBlocks } from './confirm-blocks.ts';
import { replyBlocks } from './reply-blocks.ts';

export interface SlackEdgeDeps {
  services: CommandServices;
  client: webApi.WebClient;
  /** Who a user is for permission checks: their groups, from one cache for every edge. */
  actorFor: ActorLookup;
  /** Told each command's verb, outcome and time to ack (for metrics). */
  onCommand?: (verb: string, outcome: 'ok' | 'user_error' | 'bug', seconds: number) => void;
  log: Logger;
  now: () => number;
  /** Storage failures outside the domain's transactions (e.g. a run's own records) are refused like its own. */
  storage?: StorageGuard;
  /** Spans for Slack requests (tracing off: records nothing). */
  tracer?: Tracer;
}

/** The error as the person should be told it (theirs to fix, or the storage's), or undefined for a bug. */
export const refusalOf = (deps: Pick<SlackEdgeDeps, 'storage'>, error: unknown): UserError | undefined =>
  isUserError(error) ? error : deps.storage?.failure(error);

/** A person as the domain checks them: looked up against every group the rules or the runbooks name. */
export function actorPort(deps: Pick<SlackEdgeDeps, 'services' | 'actorFor'>, userId: string) {
  return () => {
    const { incidents, runbooks } = deps.services;
    const allowed = [...(runbooks?.set().runbooks.values() ?? [])].flatMap((r) => r.spec.allowed);
    return deps.actorFor(userId, incidents.permissionGroups(allowed));
  };
}

/** Opens a command's form as a modal: it is the reply itself (it must open within the trigger's 3 s), not a side effect to queue. */
export const formOpener =
  (deps: Pick<SlackEdgeDeps, 'client' | 'services'>, triggerId: string) =>
  async (form: FormRequest): Promise<void> => {
    await deps.client.views.open({ trigger_id: triggerId, view: formView(form, deps.services.settings) as never });
  };

/** The text shown when something failed on our side: nothing changed, and where to look. */
export const bugReply = (requestId: string) =>
  `Something went wrong on the bot's side and nothing was changed. It is logged under request id \`${requestId}\`; try again, or tell whoever runs the bot.`;

/** Wires `/incident` to the verb table: every reply is an ack, so Slack's 3-second limit is kept. */
export function registerCommands(app: SlackListeners, deps: SlackEdgeDeps): void {
  app.command('/incident', async ({ command, ack }) => {
    const log = deps.log.child({
      source: 'slack',
      request_id: command.trigger_id,
      user_id: command.user_id,
      channel_id: command.channel_id,
    });
    const ports: CommandPorts = {
      openForm: formOpener(deps, command.trigger_id),
      actor: actorPort(deps, command.user_id),
    };
    const started = performance.now();
    const word = splitVerb(command.text ?? '').verb;
    // Known verbs only, so that typos cannot make a metric series each.
    const verb = Object.hasOwn(COMMANDS, word) ? word : 'other';
    const done = (outcome: 'ok' | 'user_error' | 'bug') =>
      deps.onCommand?.(verb, outcome, (performance.now() - started) / 1000);
    try {
      const reply = await runCommand(command.text ?? '', {
        userId: command.user_id,
        channelId: command.channel_id,
        triggerId: command.trigger_id,
        text: slackCommandText,
        services: deps.services,
        ports,
        log,
        now: deps.now(),
      });
      const text = renderReply(reply.text);
      const blocks = reply.blocks ? replyBlocks(reply.blocks) : undefined;
      if (!text) await ack();
      else
        await ack({ response_type: reply.inChannel ? 'in_channel' : 'ephemeral', text, ...(blocks ? { blocks } : {}) });
      done('ok');
    } catch (error) {
      const refusal = refusalOf(deps, error);
      if (refusal) {
        log.info({ event: 'command.refused', code: refusal.code }, 'command refused');
        const blocks = confirmBlocks(refusal, command.text ?? '');
        await ack({ response_type: 'ephemeral', text: userErrorText(refusal), ...(blocks ? { blocks } : {}) });
        done('user_error');
        return;
      }
      log.error({ event: 'command.failed', err: error, text_length: command.text?.length }, 'command failed');
      await ack({ response_type: 'ephemeral', text: bugReply(command.trigger_id) });
      done('bug');
    }
  });
}
