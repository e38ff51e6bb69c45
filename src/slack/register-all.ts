import type { App } from '@slack/bolt';
import { ackUnknown } from './ack-unknown.ts';
import { SlackListeners } from './listener-table.ts';
import { registerCommands, type SlackEdgeDeps } from './register-commands.ts';
import { registerEvents } from './register-events.ts';
import { registerInteractions } from './register-interactions.ts';
import { registerComms } from './register-comms.ts';
import { registerRunbooks } from './register-runbooks.ts';
import { registerHome } from './register-home.ts';
import { registerShortcuts } from './register-shortcuts.ts';
import { registerMaintenance } from './register-maintenance.ts';
import { xmlSafeDeep } from '../text/xml-safe.ts';
import { inSpan, noTracer, withCause, type Cause } from '../lib/telemetry.ts';

type SlackBody = { type?: unknown; command?: unknown; trigger_id?: unknown; event_id?: unknown; event?: unknown };
const text = (v: unknown) => (typeof v === 'string' ? v.slice(0, 100) : undefined);

/** What a Slack request is, for its span name and its cause: a command, an interaction or an event. */
function describe(body: SlackBody): { span: string; cause: Cause; attributes: Record<string, string> } {
  const type = text(body.type) ?? '';
  const cause = (id: string | undefined): Cause => ({ source: 'slack', ...(id ? { request_id: id } : {}) });
  if (typeof body.command === 'string')
    return {
      span: 'slack.command',
      cause: cause(text(body.trigger_id)),
      attributes: { 'slack.command': body.command },
    };
  if (type === 'event_callback') {
    const kind = text((body.event as { type?: unknown } | undefined)?.type) ?? '';
    return {
      span: 'slack.event',
      cause: { source: 'slack', ...(text(body.event_id) ? { event_id: text(body.event_id)! } : {}) },
      attributes: { 'slack.event_type': kind },
    };
  }
  return { span: 'slack.interaction', cause: cause(text(body.trigger_id)), attributes: { 'slack.interaction': type } };
}

/** Everything the bot answers in Slack: commands, buttons, forms, events. */
export function registerSlackEdge(app: App, deps: SlackEdgeDeps): void {
  // Every text Slack sends (command text, form values, event payloads) loses what XML forbids before
  // any handler reads it: one place for all of Slack's input, so nothing stored can break the feed.
  // Each request is one span (under the HTTP server's) and the cause of whatever it changes.
  app.use(async ({ body, next }) => {
    xmlSafeDeep(body);
    const what = describe(body as SlackBody);
    await withCause(what.cause, () => inSpan(deps.tracer ?? noTracer, what.span, what.attributes, () => next()));
  });
  const listeners = new SlackListeners();
  ackUnknown(app, listeners, deps.log);
  registerCommands(listeners, deps);
  registerInteractions(listeners, deps);
  registerComms(listeners, deps);
  registerEvents(listeners, deps);
  registerRunbooks(listeners, deps);
  registerHome(listeners, deps);
  registerShortcuts(listeners, deps);
  registerMaintenance(listeners, deps);
  listeners.mount(app);
}
