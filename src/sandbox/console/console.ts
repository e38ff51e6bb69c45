import type { Logger } from '../../lib/logger.ts';
import { ALERTS, PAGE_PRESETS, SANDBOX_PD_USERS, type PagePreset } from '../cast.ts';
import type { FakeGitHub } from '../fake-github/server.ts';
import type { FakePagerDuty } from '../fake-pagerduty/server.ts';
import type { FakeSlack } from '../fake-slack/server.ts';
import { slackSignatureHeaders, slashCommandBody } from '../sign-slack-request.ts';
import { blockActionBody, viewActionBody, viewSubmissionBody } from '../slack-payloads.ts';
import { escapeTypedText } from './slack-escape.ts';
import { viewStateValues, type FormFields } from './view-values.ts';

export interface OpenView {
  id: string;
  view: { callback_id?: string; private_metadata?: string; blocks?: unknown[] } & Record<string, unknown>;
}

/** The buttons of a published view's actions blocks and section accessories. */
function homeButtons(view: unknown): { action_id?: string; value?: string }[] {
  type Element = { type?: string; action_id?: string; value?: string };
  const blocks = ((view as { blocks?: unknown } | null)?.blocks ?? []) as {
    elements?: Element[];
    accessory?: Element;
  }[];
  if (!Array.isArray(blocks)) return [];
  return blocks.flatMap((b) => [
    ...(Array.isArray(b.elements) ? b.elements : []),
    ...(b.accessory ? [b.accessory] : []),
  ]);
}

/** A problem the person can fix (unknown user or channel, empty text): a 400, not a bug. */
export class ConsoleInputError extends Error {
  readonly code = 'sandbox_bad_input';
}

interface BotAnswer {
  status: number;
  json?: Record<string, unknown>;
}

/**
 * The sandbox's stand-in for the Slack client: it sends what a person does (slash commands, button
 * clicks, form submissions) to the real bot over HTTP, signed as Slack signs them, and keeps what
 * only the client knows — which modals each person has open.
 */
export class SandboxConsole {
  private botUrl = '';
  private seq = 0;
  private triggers = 0;
  /** trigger id → who acted: a modal opened with it belongs to that person. */
  private readonly issued = new Map<string, string>();
  private seenViews = 0;
  private readonly modals = new Map<string, OpenView[]>();

  constructor(
    readonly deps: {
      slack: FakeSlack;
      pagerduty: FakePagerDuty;
      github: FakeGitHub;
      signingSecret: string;
      log: Logger;
    },
  ) {}

  connect(botUrl: string): void {
    this.botUrl = botUrl;
  }

  /** Changes whenever anything the page shows may have changed. */
  version(): string {
    return `${this.deps.slack.calls.length}.${this.deps.github.calls.length}.${this.deps.pagerduty.calls.length}.${this.seq}`;
  }

  user(id: string) {
    const u = this.deps.slack.ws.users.get(id);
    if (!u || u.is_bot) throw new ConsoleInputError(`No sandbox user ${id}.`);
    return u;
  }

  channel(id: string) {
    const c = this.deps.slack.ws.channels.get(id);
    if (!c) throw new ConsoleInputError(`No channel ${id}.`);
    return c;
  }

  /** The modals a person has open, top last, after picking up any the bot has opened since. */
  modalStack(user: string): OpenView[] {
    const views = this.deps.slack.ws.views;
    for (; this.seenViews < views.length; this.seenViews++) {
      const v = views[this.seenViews]!;
      const owner = v.trigger_id ? this.issued.get(v.trigger_id) : undefined;
      if (v.trigger_id) this.issued.delete(v.trigger_id);
      // views.open starts a new stack, replacing whatever that person had open.
      if (owner) this.modals.set(owner, [{ id: v.id, view: v.view as OpenView['view'] }]);
    }
    return this.modals.get(user) ?? [];
  }

  private trigger(user: string): string {
    const id = `${Date.now()}.${++this.triggers}.sandbox`;
    // Most triggers open nothing; Slack's expire in 3 s, so only the newest few matter.
    if (this.issued.size >= 200) this.issued.delete(this.issued.keys().next().value!);
    this.issued.set(id, user);
    return id;
  }

  private async send(body: string, contentType = 'application/x-www-form-urlencoded'): Promise<BotAnswer> {
    const res = await fetch(`${this.botUrl}/slack/events`, {
      method: 'POST',
      body,
      headers: { 'content-type': contentType, ...slackSignatureHeaders(this.deps.signingSecret, body) },
      signal: AbortSignal.timeout(10_000),
    });
    const text = await res.text();
    let json: Record<string, unknown> | undefined;
    try {
      json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
    } catch {
      json = undefined;
    }
    this.seq++;
    return { status: res.status, json };
  }

  /** `/incident <text>` typed by `user` in `channel`; the bot's answer is shown to them alone, as Slack does. */
  async command(userId: string, channelId: string, text: string) {
    const user = this.user(userId);
    const channel = this.channel(channelId);
    const body = slashCommandBody({
      text: this.escape(text),
      userId: user.id,
      userName: user.name,
      channelId: channel.id,
      channelName: channel.name,
      triggerId: this.trigger(user.id),
    });
    const ws = this.deps.slack.ws;
    ws.ephemerals.push({
      channel: channel.id,
      user: user.id,
      from: user.id,
      text: `/incident ${this.escape(text)}`,
      ts: ws.nextTs(),
    });
    const answer = await this.send(body);
    const reply = answer.json as { response_type?: string; text?: string; blocks?: unknown[] } | undefined;
    if (answer.status !== 200) {
      ws.ephemerals.push({
        channel: channel.id,
        user: user.id,
        text: `:warning: The bot answered HTTP ${answer.status}.`,
        ts: ws.nextTs(),
      });
    } else if (reply?.text) {
      const message = { channel: channel.id, text: reply.text, blocks: reply.blocks, ts: ws.nextTs() };
      if (reply.response_type === 'in_channel') ws.messages.push({ ...message, user: ws.bot.id, pinned: false });
      else ws.ephemerals.push({ ...message, user: user.id });
    }
    return { status: answer.status, modal: this.modalStack(user.id).at(-1) ?? null };
  }

  /** Something said in a channel that is not a command: only people read it. */
  say(userId: string, channelId: string, text: string) {
    const user = this.user(userId);
    const channel = this.channel(channelId);
    if (channel.is_archived) throw new ConsoleInputError(`#${channel.name} is archived.`);
    this.deps.slack.ws.postAs(user.id, channel.id, this.escape(text));
    this.seq++;
  }

  private escape(text: string): string {
    const ws = this.deps.slack.ws;
    return escapeTypedText(text, [...ws.users.values()], [...ws.channels.values()]);
  }

  /** A button in a message, clicked by `user`. */
  async click(userId: string, channelId: string, messageTs: string, actionId: string, value: string, blockId?: string) {
    const user = this.user(userId);
    const channel = this.channel(channelId);
    const ws = this.deps.slack.ws;
    const shown =
      ws.message(channel.id, messageTs) ??
      ws.ephemerals.find((e) => e.channel === channel.id && e.user === user.id && e.ts === messageTs);
    if (!shown) throw new ConsoleInputError('That message is gone.');
    const body = blockActionBody({
      actionId,
      value,
      user: user.id,
      channel: channel.id,
      messageTs,
      blockId,
      triggerId: this.trigger(user.id),
    });
    const answer = await this.send(body);
    return { status: answer.status, modal: this.modalStack(user.id).at(-1) ?? null };
  }

  /**
   * Slack's `/invite @someone`: a member adds a person to the channel (to a private one only a member
   * may), and Slack tells the bot (member_joined_channel) as it does for any join.
   */
  invite(userId: string, channelId: string, inviteeId: string) {
    const user = this.user(userId);
    const channel = this.channel(channelId);
    const invitee = this.user(inviteeId);
    if (channel.is_archived) throw new ConsoleInputError(`#${channel.name} is archived.`);
    if (!channel.members.has(user.id)) throw new ConsoleInputError(`Only members of #${channel.name} may add people.`);
    if (!this.deps.slack.ws.join(channel, invitee.id, user.id))
      throw new ConsoleInputError(`@${invitee.name} is already in #${channel.name}.`);
    this.seq++;
  }

  /** Slack's `/leave`: the person leaves the channel (member_left_channel). */
  leave(userId: string, channelId: string) {
    const user = this.user(userId);
    const channel = this.channel(channelId);
    if (!this.deps.slack.ws.leave(channel, user.id)) throw new ConsoleInputError(`You are not in #${channel.name}.`);
    this.seq++;
  }

  /**
   * `user` opens the app's Home tab: Slack tells the bot (app_home_opened, signed, at its Request
   * URL) and shows what the bot last published for them (views.publish), as the snapshot does.
   */
  openHome(userId: string) {
    this.deps.slack.ws.openHome(this.user(userId).id);
    this.seq++;
  }

  /** A button on `user`'s Home tab, as the bot last published it. */
  async homeClick(userId: string, actionId: string, value: string) {
    const user = this.user(userId);
    const tab = this.deps.slack.ws.homeTabs.get(user.id);
    if (!tab || !homeButtons(tab.view).some((b) => b.action_id === actionId && (b.value ?? '') === value))
      throw new ConsoleInputError('That button is no longer on your Home tab.');
    const body = viewActionBody({ actionId, value, user: user.id, viewId: tab.id, triggerId: this.trigger(user.id) });
    const answer = await this.send(body);
    return { status: answer.status, modal: this.modalStack(user.id).at(-1) ?? null };
  }

  /** Submits the top modal of `user`'s stack, then does what the bot's answer says with the stack. */
  async submit(userId: string, fields: FormFields) {
    const user = this.user(userId);
    const stack = this.modalStack(user.id);
    const top = stack.at(-1);
    if (!top) throw new ConsoleInputError('No form is open.');
    const body = viewSubmissionBody({
      callbackId: String(top.view.callback_id ?? ''),
      privateMetadata: top.view.private_metadata,
      values: viewStateValues(top.view, fields),
      user: user.id,
      viewId: top.id,
      triggerId: this.trigger(user.id),
    });
    const answer = await this.send(body);
    const json = (answer.json ?? {}) as {
      response_action?: string;
      errors?: Record<string, string>;
      view?: OpenView['view'];
    };
    if (answer.status !== 200)
      return { status: answer.status, errors: { _: `The bot answered HTTP ${answer.status}.` }, modal: top };
    if (json.response_action === 'errors') return { status: 200, errors: json.errors ?? {}, modal: top };
    if (json.response_action === 'update' && json.view) stack[stack.length - 1] = { id: top.id, view: json.view };
    else if (json.response_action === 'push' && json.view)
      stack.push({ id: `${top.id}-${stack.length}`, view: json.view });
    else if (json.response_action === 'clear') stack.length = 0;
    else stack.pop();
    this.modals.set(user.id, stack);
    return { status: 200, errors: null, modal: this.modalStack(user.id).at(-1) ?? null };
  }

  /** The modal's close button: back one view. */
  close(userId: string) {
    this.modalStack(this.user(userId).id).pop();
    this.seq++;
  }

  /**
   * PagerDuty pages on-call: a realistic incident, its trigger webhook signed and sent to the bot.
   * The alerts take turns; a named preset is sent as it is (the disk page sets off the example automation).
   */
  async page(preset?: PagePreset) {
    const alert = preset ? PAGE_PRESETS[preset] : ALERTS[this.deps.pagerduty.incidents.size % ALERTS.length]!;
    const incident = this.deps.pagerduty.createIncident({
      ...alert,
      assignees: SANDBOX_PD_USERS.map((u) => ({ id: u.id, name: u.name })),
    });
    const res = await this.deps.pagerduty.trigger(incident);
    this.seq++;
    this.deps.log.info({ pd_incident: incident.id, status: res.status }, 'sandbox paged on-call');
    return { status: res.status, incident: { id: incident.id, number: incident.number, title: incident.title } };
  }
}
