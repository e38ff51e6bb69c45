import { webApi } from '@slack/bolt';
import type { SlackPacer } from './rate-pacer.ts';

/**
 * The bot token's WebClient, each call waiting for its method's slot (rate-pacer.ts) and telling the
 * pacer how Slack answered. A 429 is still thrown: the outbox owns retries (it retries after Retry-After).
 */
export class PacedWebClient extends webApi.WebClient {
  constructor(
    token: string,
    options: webApi.WebClientOptions,
    private readonly pacer: SlackPacer,
  ) {
    super(token, options);
  }

  override async apiCall(method: string, options?: Record<string, unknown>): Promise<webApi.WebAPICallResult> {
    const channel = typeof options?.channel === 'string' ? options.channel : undefined;
    const ticket = await this.pacer.acquire(method, channel);
    try {
      const result = await super.apiCall(method, options);
      ticket?.answered();
      return result;
    } catch (error) {
      const e = error as { code?: string; retryAfter?: number };
      if (e?.code === 'slack_webapi_rate_limited_error') ticket?.refused(Math.max(1, e.retryAfter ?? 1) * 1000);
      else ticket?.answered();
      throw error;
    }
  }
}
