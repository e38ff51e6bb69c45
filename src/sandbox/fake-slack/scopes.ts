import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { Args } from './methods.ts';
import type { FakeWorkspace } from './state.ts';

/** The repository's Slack app manifest: what a workspace grants the bot when the app is installed. */
export const MANIFEST_PATH = new URL('../../../slack-app-manifest.yaml', import.meta.url);

/** The bot scopes a manifest asks for (`oauth_config.scopes.bot`). */
export function manifestBotScopes(path: URL | string = MANIFEST_PATH): string[] {
  const manifest = parse(readFileSync(path, 'utf8')) as { oauth_config?: { scopes?: { bot?: unknown } } };
  const bot = manifest?.oauth_config?.scopes?.bot;
  if (!Array.isArray(bot) || !bot.every((s) => typeof s === 'string')) {
    throw new Error(`${String(path)}: oauth_config.scopes.bot must be a list of scope names`);
  }
  return bot;
}

/** The events a manifest subscribes the bot to (`settings.event_subscriptions.bot_events`). */
export function manifestBotEvents(path: URL | string = MANIFEST_PATH): string[] {
  const manifest = parse(readFileSync(path, 'utf8')) as {
    settings?: { event_subscriptions?: { bot_events?: unknown } };
  };
  const events = manifest?.settings?.event_subscriptions?.bot_events ?? [];
  if (!Array.isArray(events) || !events.every((s) => typeof s === 'string')) {
    throw new Error(`${String(path)}: settings.event_subscriptions.bot_events must be a list of event names`);
  }
  return events;
}

/** Scopes for one kind of conversation: any one of them lets a bot token call the method. */
interface ByConversation {
  public: string[];
  private: string[];
}

/**
 * What Slack asks of a bot token per method (docs.slack.dev/reference/methods/<method>, "Required
 * scopes"): a list is "any one of these"; conversation methods need the scope of the channel's
 * kind (public `channels:*`, private `groups:*`). Absent methods need no scope (auth.test,
 * chat.getPermalink, views.*).
 */
const METHOD_SCOPES: Record<string, string[] | ByConversation> = {
  'chat.postMessage': ['chat:write'],
  'chat.postEphemeral': ['chat:write'],
  'chat.update': ['chat:write'],
  'conversations.create': { public: ['channels:manage'], private: ['groups:write'] },
  'conversations.archive': { public: ['channels:manage'], private: ['groups:write'] },
  'conversations.invite': {
    public: ['channels:manage', 'channels:write.invites'],
    private: ['groups:write', 'groups:write.invites'],
  },
  'conversations.setTopic': {
    public: ['channels:manage', 'channels:write.topic'],
    private: ['groups:write', 'groups:write.topic'],
  },
  'conversations.join': ['channels:join'],
  'conversations.history': { public: ['channels:history'], private: ['groups:history'] },
  'conversations.replies': { public: ['channels:history'], private: ['groups:history'] },
  'conversations.info': { public: ['channels:read'], private: ['groups:read'] },
  'pins.add': ['pins:write'],
  'pins.remove': ['pins:write'],
  'reactions.add': ['reactions:write'],
  'users.info': ['users:read'],
  'users.lookupByEmail': ['users:read.email'],
  'usergroups.users.list': ['usergroups:read'],
  'files.getUploadURLExternal': ['files:write'],
  'files.completeUploadExternal': ['files:write'],
};

/** conversations.list needs the read scope of every kind of conversation it is asked for. */
const LIST_TYPE_SCOPES: Record<string, string> = {
  public_channel: 'channels:read',
  private_channel: 'groups:read',
  mpim: 'mpim:read',
  im: 'im:read',
};

/** Every scope the table can ask for: the scopes a manifest may justify by the methods the bot calls. */
export function scopesFor(method: string): string[] {
  if (method === 'conversations.list') return Object.values(LIST_TYPE_SCOPES);
  const need = METHOD_SCOPES[method];
  if (!need) return [];
  return Array.isArray(need) ? need : [...need.public, ...need.private];
}

/**
 * The scope a call lacks (Slack's `needed`: the alternatives, comma-separated), or undefined when
 * the granted scopes allow it.
 */
export function missingScope(method: string, args: Args, ws: FakeWorkspace, granted: ReadonlySet<string>) {
  const anyOf = requiredFor(method, args, ws);
  for (const alternatives of anyOf) {
    if (!alternatives.some((s) => granted.has(s))) return alternatives.join(',');
  }
  return undefined;
}

/** Each entry is one requirement; every requirement needs one of its alternatives. */
function requiredFor(method: string, args: Args, ws: FakeWorkspace): string[][] {
  if (method === 'conversations.list') {
    const types = String(args.types ?? 'public_channel').split(',');
    return types.map((t) => LIST_TYPE_SCOPES[t.trim()]).flatMap((s) => (s ? [[s]] : []));
  }
  const need = METHOD_SCOPES[method];
  if (!need) return [];
  if (Array.isArray(need)) return [need];
  const isPrivate =
    method === 'conversations.create'
      ? String(args.is_private) === 'true'
      : (ws.channels.get(String(args.channel ?? ''))?.is_private ?? false);
  return [isPrivate ? need.private : need.public];
}

/**
 * What Slack asks of a bot to be sent an event (docs.slack.dev/reference/events/<event>): membership
 * events of a public channel need channels:read, of a private one groups:read. Absent: none.
 */
const EVENT_SCOPES: Record<string, ByConversation> = {
  member_joined_channel: { public: ['channels:read'], private: ['groups:read'] },
  member_left_channel: { public: ['channels:read'], private: ['groups:read'] },
};

/** Whether the granted scopes let the bot be sent this event about this conversation. */
export function mayReceive(type: string, isPrivate: boolean, granted: ReadonlySet<string>): boolean {
  const need = EVENT_SCOPES[type];
  if (!need) return true;
  return (isPrivate ? need.private : need.public).some((s) => granted.has(s));
}
