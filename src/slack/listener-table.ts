import type {
  App,
  Middleware,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcutMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from '@slack/bolt';

// Stored loosely: each is called only with the arguments Bolt built for the id it was registered under.
type Handler = (args: never) => Promise<void>;
type Kind = 'command' | 'action' | 'view' | 'shortcut' | 'event';

/** The id Bolt matched a listener on, read from the arguments it passes (the payload of each kind). */
const ID_OF: Record<Kind, (payload: Record<string, unknown>) => unknown> = {
  command: (p) => p.command,
  action: (p) => p.action_id,
  view: (p) => p.callback_id,
  shortcut: (p) => p.callback_id,
  event: (p) => p.type,
};

const escape = (id: string) => id.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
/** Exactly one of `ids`: anchored literals, so no id matches another's prefix and nothing backtracks. */
const oneOf = (ids: Iterable<string>) => new RegExp(`^(?:${[...ids].map(escape).join('|')})$`);

/**
 * The bot's Slack listeners in one table (kind → id → handler), mounted in Bolt as one listener per
 * kind. Bolt runs the middleware chain of every listener it has for every request, a few promises each
 * and each promise paying the async-context hooks (traces, causes): with one Bolt listener per button
 * and form, 26 chains ran before a slash command reached its own.
 */
export class SlackListeners {
  private readonly tables: Record<Kind, Map<string, Handler>> = {
    command: new Map(),
    action: new Map(),
    view: new Map(),
    shortcut: new Map(),
    event: new Map(),
  };

  command(name: string, handler: Middleware<SlackCommandMiddlewareArgs>): void {
    this.add('command', name, handler);
  }

  action<A extends SlackAction = SlackAction>(
    actionId: string,
    handler: Middleware<SlackActionMiddlewareArgs<A>>,
  ): void {
    this.add('action', actionId, handler);
  }

  /** A form's submission (`view_submission`, as Bolt's `app.view(callbackId)`). */
  view<V extends SlackViewAction = SlackViewAction>(
    callbackId: string,
    handler: Middleware<SlackViewMiddlewareArgs<V>>,
  ): void {
    this.add('view', callbackId, handler);
  }

  shortcut(callbackId: string, handler: Middleware<SlackShortcutMiddlewareArgs>): void {
    this.add('shortcut', callbackId, handler);
  }

  event<E extends string>(type: E, handler: Middleware<SlackEventMiddlewareArgs<E>>): void {
    this.add('event', type, handler);
  }

  /** Whether a button or a form of this id has a handler (the others are acked at once: see ack-unknown). */
  handles(kind: 'action' | 'view', id: string): boolean {
    return this.tables[kind].has(id);
  }

  /** Registers one Bolt listener per kind that has handlers, each matching exactly the ids in the table. */
  mount(app: App): void {
    const dispatch = (kind: Kind) => async (args: { payload: unknown }) => {
      const id = ID_OF[kind](args.payload as Record<string, unknown>);
      await this.tables[kind].get(String(id))?.(args as never);
    };
    const { command, action, view, shortcut, event } = this.tables;
    if (command.size > 0) app.command(oneOf(command.keys()), dispatch('command'));
    if (action.size > 0) app.action(oneOf(action.keys()), dispatch('action'));
    if (view.size > 0) app.view(oneOf(view.keys()), dispatch('view'));
    if (shortcut.size > 0) app.shortcut(oneOf(shortcut.keys()), dispatch('shortcut'));
    if (event.size > 0) app.event(oneOf(event.keys()), dispatch('event'));
  }

  private add(kind: Kind, id: string, handler: unknown): void {
    // Two handlers for one id would both run in Bolt; here the second would replace the first unseen.
    if (this.tables[kind].has(id)) throw new Error(`two Slack ${kind} handlers for ${id}`);
    this.tables[kind].set(id, handler as Handler);
  }
}
