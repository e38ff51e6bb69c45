import type { SlackViewAction } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { MaintenanceFieldError, scheduleMaintenance } from '../commands/maintenance.ts';
import { slackFormText } from './command-text.ts';
import { MAINTENANCE_VIEW } from './maintenance-views.ts';
import { actorPort, refusalOf, type SlackEdgeDeps } from './register-commands.ts';
import { renderReply } from './render-reply.ts';
import { metadata, viewValues } from './views.ts';

/** The scheduling form: the same call as the command, its refusals shown under the field they concern. */
export function registerMaintenance(app: SlackListeners, deps: SlackEdgeDeps): void {
  app.view<SlackViewAction>(MAINTENANCE_VIEW, async ({ ack, body, view }) => {
    const user = body.user.id;
    const v = viewValues(view.state);
    try {
      const reply = await scheduleMaintenance(
        {
          services: deps.services,
          text: slackFormText,
          now: deps.now(),
          ports: {
            actor: actorPort(deps, user),
            openForm: () => Promise.reject(new Error('a form cannot open another form')),
          },
        },
        {
          start: v.text('start'),
          end: v.text('end'),
          components: v.choices('components'),
          message: v.text('message'),
          channel: v.choices('channel').includes('channel'),
        },
      );
      await ack();
      const channel = metadata(view.private_metadata).channel;
      // Confirmation only: the window is scheduled whether or not this reaches them.
      if (typeof channel === 'string' && channel)
        await deps.client.chat
          .postEphemeral({ channel, user, text: renderReply(reply.text) })
          .catch((err: unknown) => deps.log.warn({ event: 'maintenance.confirm_failed', err }, 'not confirmed'));
    } catch (caught) {
      const error = refusalOf(deps, caught);
      if (!error) throw caught;
      // Shown under its field (a permission or storage refusal under the message); what was typed stays.
      const field = error instanceof MaintenanceFieldError ? error.field : 'message';
      await ack({ response_action: 'errors', errors: { [field]: error.message.slice(0, 150) } });
    }
  });
}
