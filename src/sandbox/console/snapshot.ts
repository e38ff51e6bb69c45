import type { FakeGitHub } from '../fake-github/server.ts';
import type { FakeSlack } from '../fake-slack/server.ts';
import type { FakeMessage } from '../fake-slack/state.ts';
import type { SandboxConsole } from './console.ts';

/** Slack timestamps order messages: seconds, then the sequence after the dot. */
const byTs = (a: { ts?: string }, b: { ts?: string }) => {
  const [as = 0, aq = 0] = (a.ts ?? '0.0').split('.').map(Number);
  const [bs = 0, bq = 0] = (b.ts ?? '0.0').split('.').map(Number);
  return as - bs || aq - bq;
};

const messageJson = (m: FakeMessage) => ({
  ts: m.ts,
  user: m.user,
  text: m.text,
  blocks: m.blocks ?? null,
  pinned: m.pinned,
  edited: Boolean(m.edited),
  ephemeral: false,
});

/** Reports the fake GitHub received: one per pull request, with the report file's path. */
function postmortemLinks(github: FakeGitHub) {
  return github.pulls.map((p) => {
    const path = [...(github.files.get(p.head)?.keys() ?? [])].find((f) => f.startsWith('postmortems/'));
    return {
      number: p.number,
      title: p.title,
      draft: p.draft,
      path: path ?? null,
      url: `/sandbox/github/pull/${p.number}`,
    };
  });
}

/**
 * Everything the sandbox page shows, as seen by one person in one channel: the channel list, the
 * channel's messages (threads under their parent, ephemeral ones only for that person), the form
 * they have open, and links to what the bot produced elsewhere.
 */
export function snapshot(
  deps: { slack: FakeSlack; github: FakeGitHub; console: SandboxConsole },
  userId: string,
  channelId: string | undefined,
) {
  const ws = deps.slack.ws;
  // As in Slack: a private channel is listed, and readable, only by its members.
  const channels = [...ws.channels.values()]
    .filter((c) => !c.is_private || c.members.has(userId))
    .sort(
      (a, b) => Number(a.is_archived) - Number(b.is_archived) || a.created - b.created || a.name.localeCompare(b.name),
    );
  const selected = channels.find((c) => c.id === channelId) ?? channels[0];
  const all = selected ? ws.channelMessages(selected.id) : [];
  const top = all.filter((m) => !m.thread_ts || m.thread_ts === m.ts);
  const replies = (ts: string) =>
    all
      .filter((m) => m.thread_ts === ts && m.ts !== ts)
      .sort(byTs)
      .map(messageJson);
  const mine = selected ? ws.ephemerals.filter((e) => e.channel === selected.id && e.user === userId) : [];
  const messages = [
    ...top.map((m) => ({ ...messageJson(m), replies: replies(m.ts) })),
    ...mine.map((e) => ({
      ts: e.ts ?? '0.0',
      user: e.from ?? ws.bot.id,
      text: e.text,
      blocks: e.blocks ?? null,
      pinned: false,
      edited: false,
      ephemeral: true,
      replies: [],
    })),
  ].sort(byTs);
  return {
    version: deps.console.version(),
    me: userId,
    users: [...ws.users.values()].map((u) => ({ id: u.id, name: u.name, bot: Boolean(u.is_bot) })),
    channels: channels.map((c) => ({
      id: c.id,
      name: c.name,
      private: c.is_private,
      archived: c.is_archived,
      member: c.members.has(userId),
    })),
    channel: selected
      ? {
          id: selected.id,
          name: selected.name,
          topic: selected.topic,
          archived: selected.is_archived,
          members: [...selected.members].map((id) => ws.users.get(id)?.name ?? id),
        }
      : null,
    messages,
    modal: deps.console.modalStack(userId).at(-1) ?? null,
    // The app's Home tab as the bot last published it for this person (null until they open it).
    home: ws.homeTabs.get(userId)?.view ?? null,
    postmortems: postmortemLinks(deps.github),
    issues: deps.github.issues.map((i) => ({
      number: i.number,
      title: i.title,
      url: `/sandbox/github/issues/${i.number}`,
    })),
  };
}
