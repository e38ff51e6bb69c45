import type { App } from '@slack/bolt';
import { ackUnknown } from './ack-unknown.ts';
import { registerCommands, type SlackEdgeDeps } from './register-commands.ts';
import { registerEvents } from './register-events.ts';
import { registerInteractions } from './register-interactions.ts';
import { registerComms } from './register-comms.ts';
import { COMMS_ACTION } from './comms-views.ts';
import { registerRunbooks } from './register-runbooks.ts';
import { registerHome } from './register-home.ts';
import { registerShortcuts } from './register-shortcuts.ts';
import { HOME_ACTION } from './home-view.ts';
import { RUNBOOK_ACTION, RUNBOOK_VIEW } from './runbook-views.ts';
import { ACTION } from './summary-message.ts';
import { VIEW } from './views.ts';
import { xmlSafeDeep } from '../text/xml-safe.ts';

/** Everything the bot answers in Slack: commands, buttons, forms, events. */
export function registerSlackEdge(app: App, deps: SlackEdgeDeps): void {
  // Every text Slack sends (command text, form values, event payloads) loses what XML forbids before
  // any handler reads it: one place for all of Slack's input, so nothing stored can break the feed.
  app.use(async ({ body, next }) => {
    xmlSafeDeep(body);
    await next();
  });
  ackUnknown(
    app,
    {
      actions: [
        ...Object.values(ACTION),
        ...Object.values(RUNBOOK_ACTION),
        ...Object.values(COMMS_ACTION),
        ...Object.values(HOME_ACTION),
      ],
      views: [...Object.values(VIEW), RUNBOOK_VIEW],
    },
    deps.log,
  );
  registerCommands(app, deps);
  registerInteractions(app, deps);
  registerComms(app, deps);
  registerEvents(app, deps);
  registerRunbooks(app, deps);
  registerHome(app, deps);
  registerShortcuts(app, deps);
}
