import type { BlockAction, ButtonAction, SlackViewAction } from '@slack/bolt';
import type { SlackListeners } from './listener-table.ts';
import { parseDeclare, publicTitleOf } from '../commands/declare.ts';
import { ErrorCode, UserError } from '../lib/errors.ts';
import { slackFormText } from './command-text.ts';
import type { SlackEdgeDeps } from './register-commands.ts';
import { buttonPress } from './button-press.ts';
import { actorPort, refusalOf } from './register-commands.ts';
import { runFromButton } from './run-from-button.ts';
import { ACTION } from './summary-message.ts';
import { quoteFromForm } from './register-shortcuts.ts';
import {
  VIEW,
  metadata,
  parseComponentStatusChoice,
  parseSeverityChoice,
  parseStatusChoice,
  previewModal,
  viewValues,
  type UpdateDraft,
} from './views.ts';

/** Each summary button runs the verb of the same name, so a click and a command behave the same. */
const BUTTON_VERB: Record<string, string> = {
  [ACTION.ack]: 'ack',
  [ACTION.update]: 'update',
  [ACTION.resolve]: 'resolve',
};

export function registerInteractions(app: SlackListeners, deps: SlackEdgeDeps): void {
  for (const [actionId, verb] of Object.entries(BUTTON_VERB)) {
    app.action<BlockAction<ButtonAction>>(actionId, async ({ ack, body }) => {
      await ack();
      await runFromButton(deps, body, buttonPress(deps, body, actionId), verb);
    });
  }

  app.view<SlackViewAction>(VIEW.declare, async ({ ack, body, view }) => {
    const log = deps.log.child({ source: 'slack', user_id: body.user.id, view: VIEW.declare });
    const v = viewValues(view.state);
    try {
      const parsed = parseDeclare(v.text('title'), deps.services.settings.default_severity, slackFormText);
      const severity = parseSeverityChoice(v.choice('severity'));
      const description = v.text('description') || parsed.description;
      const incident = deps.services.incidents.declare({
        title: parsed.title,
        publicTitle: publicTitleOf(v.text('title'), slackFormText),
        description,
        severity,
        declaredBy: body.user.id,
        commander: v.user('commander'),
        source: 'slack',
        private: v.choices('private').includes('private'),
        components: v
          .choices('components')
          .map((id) => ({ id, status: parseComponentStatusChoice(v.choice('component_status')) })),
      });
      // Declared from a message: it is linked and quoted on the timeline.
      const quote = quoteFromForm(view.private_metadata);
      if (quote) {
        const actor = await actorPort(deps, body.user.id)();
        deps.services.incidents.addMessage(incident.id, { kind: 'quoted', ...quote }, actor);
      }
      log.info(
        { event: 'incident.declared', incident_id: incident.id, channel: metadata(view.private_metadata).channel },
        'incident declared from the form',
      );
      await ack();
    } catch (caught) {
      const error = refusalOf(deps, caught);
      if (!error) throw caught;
      // Shown under the field, and the form stays open with what was typed: nothing is lost.
      await ack({ response_action: 'errors', errors: { title: error.message.slice(0, 150) } });
    }
  });

  app.view<SlackViewAction>(VIEW.update, async ({ ack, body, view }) => {
    const v = viewValues(view.state);
    const incidentId = Number(metadata(view.private_metadata).incident);
    try {
      const incident = deps.services.incidents.get(incidentId);
      if (!incident) throw new UserError(ErrorCode.NotFound, 'This incident no longer exists here; close the form.');
      const componentStatus = parseComponentStatusChoice(v.choice('component_status'));
      const draft: UpdateDraft = {
        incident: incident.id,
        status: parseStatusChoice(v.choice('status')),
        body: v.text('message'),
        components: v.choices('components').map((id) => ({ id, status: componentStatus })),
      };
      const actor = await actorPort(deps, body.user.id)();
      if (v.choices('public').includes('public')) {
        if (!draft.body) throw new UserError(ErrorCode.BadArgument, 'An update needs a message.');
        // Refused before the preview rather than after it; the domain checks again when it is published.
        if (draft.status === 'resolved') deps.services.incidents.check(incident.id, actor, 'resolve');
        deps.services.incidents.check(incident.id, actor, 'publish');
        // Publishing goes through a preview of exactly what customers will see.
        return await ack({
          response_action: 'push',
          view: previewModal(draft, incident.title, deps.services.settings.components) as never,
        });
      }
      deps.services.incidents.postUpdate(incident.id, draft.status, draft.body, actor, {
        components: draft.components,
      });
      await ack();
    } catch (caught) {
      const error = refusalOf(deps, caught);
      if (!error) throw caught;
      await ack({ response_action: 'errors', errors: { message: error.message.slice(0, 150) } });
    }
  });

  app.view<SlackViewAction>(VIEW.preview, async ({ ack, body, view }) => {
    const draft = metadata(view.private_metadata) as Partial<UpdateDraft>;
    try {
      const incident = deps.services.incidents.get(Number(draft.incident));
      if (!incident)
        throw new UserError(ErrorCode.NotFound, 'This incident no longer exists here; nothing was published.');
      deps.services.incidents.postUpdate(
        incident.id,
        parseStatusChoice(draft.status),
        String(draft.body ?? ''),
        await actorPort(deps, body.user.id)(),
        {
          public: true,
          components: (Array.isArray(draft.components) ? draft.components : []).map((c) => ({
            id: String(c.id),
            status: parseComponentStatusChoice(c.status),
          })),
        },
      );
      await ack({ response_action: 'clear' });
    } catch (caught) {
      const error = refusalOf(deps, caught);
      if (!error) throw caught;
      // The preview has no input to attach an error to: show it in place of the preview.
      await ack({
        response_action: 'update',
        view: {
          type: 'modal',
          title: { type: 'plain_text', text: 'Not published' },
          close: { type: 'plain_text', text: 'Close' },
          blocks: [{ type: 'section', text: { type: 'plain_text', text: error.message.slice(0, 2900) } }],
        } as never,
      });
    }
  });
}
