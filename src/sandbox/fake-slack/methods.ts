import { blocksProblem } from './block-kit.ts';
import type { FakeChannel, FakeWorkspace } from './state.ts';

export type Args = Record<string, unknown>;
/** A method's answer: the fields besides `ok`, or a Slack error name. */
export type Outcome = { ok: true; body: Record<string, unknown> } | { ok: false; error: string };

const ok = (body: Record<string, unknown> = {}): Outcome => ({ ok: true, body });
const fail = (error: string): Outcome => ({ ok: false, error });
const str = (v: unknown): string => (v === undefined || v === null ? '' : String(v));
const parseJson = (v: unknown): unknown => (typeof v === 'string' ? JSON.parse(v) : v);

const channelJson = (c: FakeChannel) => ({
  id: c.id,
  name: c.name,
  is_channel: !c.is_private,
  is_group: false,
  is_im: false,
  is_private: c.is_private,
  is_archived: c.is_archived,
  created: c.created,
  creator: c.creator,
  topic: { value: c.topic, creator: c.creator, last_set: c.created },
  num_members: c.members.size,
});

/** Slack's rules for names (conversations.create): the errors it gives, in the order it checks. */
function nameProblem(name: string): string | undefined {
  if (name.length === 0) return 'invalid_name_required';
  if (name.length > 80) return 'invalid_name_maxlength';
  if (/[A-Z\s]/.test(name) || !/^[a-z0-9_-]+$/.test(name)) return 'invalid_name_specials';
  if (/^[-_]+$/.test(name)) return 'invalid_name_punctuation';
  return undefined;
}

type Method = (ws: FakeWorkspace, args: Args) => Outcome;

function withChannel(fn: (ws: FakeWorkspace, c: FakeChannel, args: Args) => Outcome): Method {
  return (ws, args) => {
    const c = ws.channels.get(str(args.channel));
    if (!c) return fail('channel_not_found');
    return fn(ws, c, args);
  };
}

function postable(ws: FakeWorkspace, c: FakeChannel, args: Args): Outcome | undefined {
  if (c.is_archived) return fail('is_archived');
  if (!c.members.has(ws.bot.id)) return fail('not_in_channel');
  if (!args.text && !args.blocks) return fail('no_text');
  if (str(args.text).length > 40_000) return fail('msg_too_long');
  if (args.blocks !== undefined && blocksProblem(args.blocks)) return fail('invalid_blocks');
  return undefined;
}

export const METHODS: Record<string, Method> = {
  'auth.test': (ws) =>
    ok({
      url: 'https://fake.slack.test/',
      team: 'Fake Team',
      user: ws.bot.name,
      team_id: ws.teamId,
      user_id: ws.bot.id,
      bot_id: 'B0BOT0001',
    }),

  'conversations.create': (ws, args) => {
    const name = str(args.name);
    const problem = nameProblem(name);
    if (problem) return fail(problem);
    if (ws.channelByName(name)) return fail('name_taken');
    const c: FakeChannel = {
      id: ws.nextId('C'),
      name,
      created: Math.floor(Date.now() / 1000),
      creator: ws.bot.id,
      is_private: str(args.is_private) === 'true',
      is_archived: false,
      topic: '',
      members: new Set(),
    };
    ws.channels.set(c.id, c);
    // The creator joins it, and Slack says so (member_joined_channel) as for anyone.
    ws.join(c, ws.bot.id);
    return ok({ channel: channelJson(c) });
  },

  'conversations.info': withChannel((_ws, c) => ok({ channel: channelJson(c) })),

  // Cursor-paginated like Slack's: the cursor is an opaque offset here.
  'conversations.list': (ws, args) => {
    const limit = Math.min(Math.max(Number(args.limit ?? 100) || 100, 1), 1000);
    const offset = args.cursor ? Number(Buffer.from(str(args.cursor), 'base64').toString()) || 0 : 0;
    // A private channel is listed only when asked for, and only to its members (the bot here).
    const types = str(args.types || 'public_channel').split(',');
    const all = [...ws.channels.values()].filter(
      (c) =>
        !(str(args.exclude_archived) === 'true' && c.is_archived) &&
        (c.is_private
          ? types.includes('private_channel') && c.members.has(ws.bot.id)
          : types.includes('public_channel')),
    );
    const page = all.slice(offset, offset + limit);
    const next = offset + limit < all.length ? Buffer.from(String(offset + limit)).toString('base64') : '';
    return ok({ channels: page.map(channelJson), response_metadata: { next_cursor: next } });
  },

  'conversations.invite': withChannel((ws, c, args) => {
    const users = str(args.users)
      .split(',')
      .map((u) => u.trim())
      .filter(Boolean);
    if (users.length === 0) return fail('no_user');
    if (users.length > 1000) return fail('too_many_users');
    for (const u of users) {
      if (u === ws.bot.id) return fail('cant_invite_self');
      if (!ws.users.has(u)) return fail('user_not_found');
    }
    if (users.every((u) => c.members.has(u))) return fail('already_in_channel');
    for (const u of users) ws.join(c, u, ws.bot.id);
    return ok({ channel: channelJson(c) });
  }),

  'conversations.setTopic': withChannel((_ws, c, args) => {
    const topic = str(args.topic);
    if (topic.length > 250) return fail('too_long');
    c.topic = topic;
    return ok({ channel: channelJson(c) });
  }),

  'conversations.archive': withChannel((_ws, c) => {
    if (c.is_archived) return fail('already_archived');
    c.is_archived = true;
    return ok();
  }),

  'conversations.history': withChannel((ws, c, args) => {
    const limit = Math.min(Number(args.limit ?? 100) || 100, 1000);
    const inclusive = str(args.inclusive) === 'true' || args.inclusive === true;
    const latest = args.latest === undefined ? Infinity : Number(args.latest);
    const oldest = args.oldest === undefined ? -Infinity : Number(args.oldest);
    // Newest first, between oldest and latest, as Slack returns them.
    const messages = ws
      .channelMessages(c.id)
      .filter((m) => {
        const ts = Number(m.ts);
        return inclusive ? ts <= latest && ts >= oldest : ts < latest && ts > oldest;
      })
      .reverse();
    return ok({
      messages: messages.slice(0, limit).map((m) => ({
        type: 'message',
        user: m.user,
        text: m.text,
        ts: m.ts,
        ...(m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: messages.length > limit,
    });
  }),

  // A thread: its parent first, then its replies oldest first, as Slack returns them.
  'conversations.replies': withChannel((ws, c, args) => {
    const parent = ws.message(c.id, str(args.ts));
    if (!parent) return fail('thread_not_found');
    const limit = Math.min(Number(args.limit ?? 1000) || 1000, 1000);
    const thread = [parent, ...ws.channelMessages(c.id).filter((m) => m.thread_ts === parent.ts && m !== parent)];
    return ok({
      messages: thread.slice(0, limit).map((m) => ({
        type: 'message',
        user: m.user,
        text: m.text,
        ts: m.ts,
        ...(m.thread_ts ? { thread_ts: m.thread_ts } : {}),
        ...(m.metadata ? { metadata: m.metadata } : {}),
      })),
      has_more: thread.length > limit,
    });
  }),

  'chat.postMessage': withChannel((ws, c, args) => {
    const problem = postable(ws, c, args);
    if (problem) return problem;
    const ts = ws.nextTs();
    const message = {
      channel: c.id,
      ts,
      user: ws.bot.id,
      text: str(args.text),
      blocks: args.blocks === undefined ? undefined : (parseJson(args.blocks) as unknown[]),
      metadata: args.metadata === undefined ? undefined : parseJson(args.metadata),
      thread_ts: args.thread_ts === undefined ? undefined : str(args.thread_ts),
      pinned: false,
    };
    ws.messages.push(message);
    return ok({ channel: c.id, ts, message: { type: 'message', user: ws.bot.id, text: message.text, ts } });
  }),

  'chat.postEphemeral': withChannel((ws, c, args) => {
    const problem = postable(ws, c, args);
    if (problem) return problem;
    if (!ws.users.has(str(args.user))) return fail('user_not_found');
    const ts = ws.nextTs();
    ws.ephemerals.push({
      channel: c.id,
      user: str(args.user),
      text: str(args.text),
      blocks: parseJson(args.blocks) as unknown[],
      ts,
    });
    return ok({ message_ts: ts });
  }),

  'chat.update': withChannel((ws, c, args) => {
    const m = ws.message(c.id, str(args.ts));
    if (!m) return fail('message_not_found');
    if (args.blocks !== undefined && blocksProblem(args.blocks)) return fail('invalid_blocks');
    if (args.text !== undefined) m.text = str(args.text);
    if (args.blocks !== undefined) m.blocks = parseJson(args.blocks) as unknown[];
    if (args.metadata !== undefined) m.metadata = parseJson(args.metadata);
    m.edited = true;
    return ok({ channel: c.id, ts: m.ts, text: m.text });
  }),

  'chat.getPermalink': withChannel((ws, c, args) => {
    if (!ws.message(c.id, str(args.message_ts))) return fail('message_not_found');
    return ok({
      channel: c.id,
      permalink: `https://fake.slack.test/archives/${c.id}/p${str(args.message_ts).replace('.', '')}`,
    });
  }),

  'pins.add': withChannel((ws, c, args) => {
    const m = ws.message(c.id, str(args.timestamp));
    if (!m) return fail('message_not_found');
    if (m.pinned) return fail('already_pinned');
    m.pinned = true;
    return ok();
  }),

  'pins.remove': withChannel((ws, c, args) => {
    const m = ws.message(c.id, str(args.timestamp));
    if (!m) return fail('message_not_found');
    if (!m.pinned) return fail('no_pin');
    m.pinned = false;
    return ok();
  }),

  'users.lookupByEmail': (ws, args) => {
    const email = str(args.email).toLowerCase();
    const user = [...ws.users.values()].find((u) => u.email.toLowerCase() === email);
    return user
      ? ok({ user: { id: user.id, name: user.name, profile: { email: user.email } } })
      : fail('users_not_found');
  },

  'users.info': (ws, args) => {
    const user = ws.users.get(str(args.user));
    return user
      ? ok({ user: { id: user.id, name: user.name, is_bot: Boolean(user.is_bot), profile: { email: user.email } } })
      : fail('user_not_found');
  },

  'usergroups.users.list': (ws, args) => {
    const members = ws.userGroups.get(str(args.usergroup));
    return members ? ok({ users: members }) : fail('no_such_subteam');
  },

  'files.getUploadURLExternal': (ws, args) => {
    const length = Number(args.length);
    if (!Number.isInteger(length) || length <= 0) return fail('invalid_arguments');
    const id = ws.nextId('F');
    ws.files.set(id, { id, filename: str(args.filename), length });
    // The fake's own upload route; the server fills in its address.
    return ok({ upload_url: `UPLOAD_BASE/${id}`, file_id: id });
  },

  'files.completeUploadExternal': (ws, args) => {
    let list: { id?: string; title?: string }[];
    try {
      list = parseJson(args.files) as typeof list;
    } catch {
      return fail('invalid_arguments');
    }
    if (!Array.isArray(list) || list.length === 0) return fail('invalid_arguments');
    const channel = args.channel_id === undefined ? undefined : ws.channels.get(str(args.channel_id));
    if (args.channel_id !== undefined && !channel) return fail('channel_not_found');
    for (const f of list) {
      const file = ws.files.get(String(f.id));
      if (!file || file.content === undefined) return fail('file_not_found');
      Object.assign(file, {
        channel: channel?.id,
        title: f.title,
        comment: args.initial_comment === undefined ? undefined : str(args.initial_comment),
      });
    }
    return ok({ files: list.map((f) => ({ id: f.id, title: f.title })) });
  },

  'views.open': (ws, args) => {
    if (!args.trigger_id) return fail('invalid_trigger_id');
    // Slack refuses a view whose private_metadata is longer than 3,000 characters.
    const metadata = (parseJson(args.view) as { private_metadata?: unknown } | undefined)?.private_metadata;
    if (typeof metadata === 'string' && metadata.length > 3000) return fail('invalid_arguments');
    const id = ws.nextId('V');
    ws.views.push({ id, view: parseJson(args.view), trigger_id: str(args.trigger_id) });
    return ok({ view: { id, ...(parseJson(args.view) as object) } });
  },

  // The app's Home tab for one person; publishing again replaces it (the id stays).
  'views.publish': (ws, args) => {
    const user = str(args.user_id);
    if (!ws.users.has(user)) return fail('user_not_found');
    const view = parseJson(args.view) as { type?: unknown; blocks?: unknown };
    if (view?.type !== 'home') return fail('invalid_arguments');
    if (Array.isArray(view.blocks) && view.blocks.length > 100) return fail('invalid_arguments');
    if (view.blocks !== undefined && blocksProblem(view.blocks)) return fail('invalid_blocks');
    const id = ws.homeTabs.get(user)?.id ?? ws.nextId('V');
    ws.homeTabs.set(user, { id, view });
    return ok({ view: { id, ...view } });
  },
};
