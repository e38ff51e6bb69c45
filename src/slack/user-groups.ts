import type { webApi } from '@slack/bolt';

/** How long a user group's members are trusted; a permission check must not call Slack every time. */
const TTL_MS = 5 * 60_000;

/** Members of Slack user groups, cached in memory (membership is not worth a durable copy). */
export function userGroupDirectory(client: webApi.WebClient, now: () => number) {
  const cache = new Map<string, { at: number; members: string[] }>();
  return async (groupId: string): Promise<string[]> => {
    const hit = cache.get(groupId);
    if (hit && now() - hit.at < TTL_MS) return hit.members;
    const res = await client.usergroups.users.list({ usergroup: groupId });
    const members = res.users ?? [];
    cache.set(groupId, { at: now(), members });
    return members;
  };
}
