/**
 * What Slack's client does to typed text before the app sees it (a slash command with
 * `should_escape: true`, or a message): &, < and > become entities, and `@name` / `#channel` of
 * people and channels that exist become `<@U…|name>` / `<#C…|name>`.
 */
export function escapeTypedText(
  text: string,
  users: { id: string; name: string }[],
  channels: { id: string; name: string }[],
): string {
  const byName = new Map(users.map((u) => [u.name.toLowerCase(), u]));
  const channelByName = new Map(channels.map((c) => [c.name.toLowerCase(), c]));
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/(^|[\s(])@([a-z0-9._-]+)/gi, (whole, pre: string, name: string) => {
      const u = byName.get(name.toLowerCase());
      return u ? `${pre}<@${u.id}|${u.name}>` : whole;
    })
    .replace(/(^|[\s(])#([a-z0-9_-]+)/gi, (whole, pre: string, name: string) => {
      const c = channelByName.get(name.toLowerCase());
      return c ? `${pre}<#${c.id}|${c.name}>` : whole;
    });
}
