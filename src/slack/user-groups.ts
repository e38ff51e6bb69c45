import type { webApi } from '@slack/bolt';
import { actorOf, type Actor } from '../incidents/permissions.ts';
import type { Logger } from '../lib/logger.ts';

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

/** Who someone is for a permission check: their id and which of `groups` they are a member of. */
export type ActorLookup = (userId: string, groups: string[]) => Promise<Actor>;

/**
 * Builds actors from the cached directory. A group that cannot be read counts as one the person is
 * not in: a refusal that names the group is better than a change nobody was allowed to make.
 */
export function actorLookup(groupMembers: (groupId: string) => Promise<string[]>, log: Logger): ActorLookup {
  return async (userId, groups) => {
    const member = await Promise.all(
      groups.map((g) =>
        groupMembers(g).then(
          (members) => members.includes(userId),
          (error: unknown) => (
            log.warn({ err: error, group: g }, 'could not read a user group; treating the person as not in it'),
            false
          ),
        ),
      ),
    );
    return actorOf(
      userId,
      groups.filter((_, i) => member[i]),
    );
  };
}
