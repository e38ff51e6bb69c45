export interface FakeUser {
  id: string;
  name: string;
  email: string;
  is_bot?: boolean;
}

export interface FakeChannel {
  id: string;
  name: string;
  created: number;
  creator: string;
  is_private: boolean;
  is_archived: boolean;
  topic: string;
  members: Set<string>;
}

export interface FakeMessage {
  channel: string;
  ts: string;
  user: string;
  text: string;
  blocks?: unknown[];
  metadata?: unknown;
  thread_ts?: string;
  pinned: boolean;
  edited?: boolean;
}

/** An event as Slack puts it in an event_callback's `event`. */
export type SlackEvent = { type: string; channel?: string; user?: string } & Record<string, unknown>;

/** The fake workspace: what Slack would hold after the calls it has been sent. */
export class FakeWorkspace {
  readonly teamId = 'T0FAKE001';
  readonly bot: FakeUser = { id: 'U0BOT0001', name: 'incident-bot', email: 'bot@example.com', is_bot: true };
  readonly users = new Map<string, FakeUser>();
  readonly channels = new Map<string, FakeChannel>();
  readonly messages: FakeMessage[] = [];
  /**
   * Messages only one person (`user`) sees; `ts` orders them among the channel's messages and `from`
   * is who they appear from (the bot unless set: the sandbox echoes a person's own slash command).
   */
  readonly ephemerals: {
    channel: string;
    user: string;
    text: string;
    blocks?: unknown[];
    ts?: string;
    from?: string;
  }[] = [];
  readonly views: { id: string; view: unknown; trigger_id?: string }[] = [];
  /** Each person's Home tab of the app, as last published (views.publish). */
  readonly homeTabs = new Map<string, { id: string; view: unknown }>();
  /** Files uploaded with the files.uploadV2 flow: content arrives at the upload URL, then is shared. */
  readonly files = new Map<
    string,
    {
      id: string;
      filename: string;
      length: number;
      content?: string;
      channel?: string;
      title?: string;
      comment?: string;
    }
  >();
  /** User group id (S…) → member user ids. */
  readonly userGroups = new Map<string, string[]>();
  /** Told of every event Slack would send to apps (the server decides which reach the bot). */
  onEvent?: (event: SlackEvent) => void;
  private seq = 0;
  private tsSeq = 0;

  constructor(users: FakeUser[] = []) {
    this.users.set(this.bot.id, this.bot);
    for (const u of users) this.users.set(u.id, u);
  }

  nextId(prefix: string): string {
    this.seq += 1;
    return `${prefix}${String(this.seq).padStart(8, '0')}`;
  }

  /** Slack message timestamps: seconds, a dot, six digits; unique per channel. */
  nextTs(): string {
    this.tsSeq += 1;
    return `${Math.floor(Date.now() / 1000)}.${String(this.tsSeq).padStart(6, '0')}`;
  }

  channelByName(name: string): FakeChannel | undefined {
    for (const c of this.channels.values()) if (c.name === name) return c;
    return undefined;
  }

  message(channel: string, ts: string): FakeMessage | undefined {
    return this.messages.find((m) => m.channel === channel && m.ts === ts);
  }

  /** A message a person posted (not through the API), e.g. to pin or react to in a test or the sandbox. */
  postAs(user: string, channel: string, text: string): FakeMessage {
    const message: FakeMessage = { channel, ts: this.nextTs(), user, text, pinned: false };
    this.messages.push(message);
    return message;
  }

  /**
   * Someone joins a channel, or is added to it (`inviter`): Slack tells the channel's apps with
   * `member_joined_channel`. False when they were there already (Slack sends nothing then).
   */
  join(channel: FakeChannel, user: string, inviter?: string): boolean {
    if (channel.members.has(user)) return false;
    channel.members.add(user);
    this.onEvent?.({
      type: 'member_joined_channel',
      ...this.membership(channel, user),
      ...(inviter ? { inviter } : {}),
    });
    return true;
  }

  /** Someone leaves a channel, or is removed from it: `member_left_channel`. False when they were not in it. */
  leave(channel: FakeChannel, user: string): boolean {
    if (!channel.members.delete(user)) return false;
    this.onEvent?.({ type: 'member_left_channel', ...this.membership(channel, user) });
    return true;
  }

  /** A person opens the app's Home tab (`app_home_opened`); they see what was last published for them. */
  openHome(user: string): void {
    this.onEvent?.({ type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home' });
  }

  /** The fields both membership events carry; `channel_type` is G for a private channel, C for a public one. */
  private membership(channel: FakeChannel, user: string) {
    return { user, channel: channel.id, channel_type: channel.is_private ? 'G' : 'C', team: this.teamId };
  }

  channelMessages(channel: string): FakeMessage[] {
    return this.messages.filter((m) => m.channel === channel);
  }
}
