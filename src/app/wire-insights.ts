import { randomBytes } from 'node:crypto';
import type { Config } from '../config/config.ts';
import type { Db } from '../db/open.ts';
import { InsightsRepository } from '../insights/insights-repository.ts';
import { InsightsService } from '../insights/service.ts';
import { insightsRoutes } from '../insights/routes.ts';
import type { Route } from '../http/server.ts';
import { deriveLinkKey } from '../insights/signed-link.ts';
import { MonthlySummary } from '../insights/monthly-summary.ts';
import type { OutboxRepository } from '../outbox/outbox-repository.ts';
import { isUserId } from '../lib/slack-ids.ts';

/**
 * The insights service (issue 21). Its links are signed with a key derived from the Slack signing
 * secret: a secret the bot must already keep, so links survive restarts with nothing new to manage.
 * In Socket Mode there may be none: then INSIGHTS_TOKEN is used, else a key made at start (links
 * handed out before a restart stop working, which is safe).
 */
export function wireInsights(
  config: Config,
  db: Db,
  now: () => number,
  outbox: { repo: OutboxRepository; wake: () => void },
): { service: InsightsService; routes: Route[]; repository: InsightsRepository; monthlySummary: MonthlySummary } {
  const secret = config.slack.signingSecret || config.insights.token;
  const linkKey = secret ? deriveLinkKey(secret) : randomBytes(32);
  const repository = new InsightsRepository(db);
  // Once after migration 031, so the first /incident stats does not count old timelines itself.
  repository.countStaleTallies();
  const service = new InsightsService({
    source: repository,
    timeZone: config.settings.timezone,
    isPerson: isUserId,
    linkKey,
    publicUrl: config.publicUrl,
  });
  const monthlySummary = new MonthlySummary({
    db,
    insights: service,
    outbox: outbox.repo,
    channel: config.settings.announcements.channel,
    now,
    onEnqueued: outbox.wake,
  });
  return {
    service,
    repository,
    monthlySummary,
    routes: insightsRoutes({ insights: service, linkKey, token: config.insights.token, now }),
  };
}
