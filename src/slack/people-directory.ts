import type { webApi } from '@slack/bolt';
import { ClassifiedError } from '../outbox/classified-error.ts';
import { classifySlackError, slackErrorName } from './classify-error.ts';
import { isUserId } from '../lib/slack-ids.ts';

/** Who people are in Slack, for edges that know people by email or id (PagerDuty staffing, reports). */
export interface SlackPeople {
  /** The Slack user with this email, or null when the workspace has none. */
  userIdByEmail(email: string): Promise<string | null>;
  /** A Slack user's email (needs users:read.email), or null when Slack has none for them. */
  emailOf(userId: string): Promise<string | null>;
  /** Display names for Slack user ids, looked up once each; ids Slack does not know stay ids. */
  displayNames(ids: Iterable<string>): Promise<Map<string, string>>;
}

/** Slack's errors leave as ClassifiedError, so the outbox retries or gives up as Slack's answer means. */
export function slackPeople(client: webApi.WebClient): SlackPeople {
  return {
    async userIdByEmail(email) {
      try {
        const res = await client.users.lookupByEmail({ email });
        return res.user?.id ?? null;
      } catch (error) {
        if (slackErrorName(error) === 'users_not_found') return null;
        throw new ClassifiedError(classifySlackError(error), error);
      }
    },
    async emailOf(userId) {
      try {
        const res = await client.users.info({ user: userId });
        return (res.user as { profile?: { email?: string } } | undefined)?.profile?.email ?? null;
      } catch (error) {
        if (slackErrorName(error) === 'user_not_found') return null;
        throw new ClassifiedError(classifySlackError(error), error);
      }
    },
    async displayNames(ids) {
      const names = new Map<string, string>();
      for (const id of new Set(ids)) {
        if (!isUserId(id)) continue;
        try {
          const res = await client.users.info({ user: id });
          const user = res.user as
            { real_name?: string; name?: string; profile?: { display_name?: string; real_name?: string } } | undefined;
          names.set(id, user?.profile?.display_name || user?.profile?.real_name || user?.real_name || user?.name || id);
        } catch {
          names.set(id, id);
        }
      }
      return names;
    },
  };
}
