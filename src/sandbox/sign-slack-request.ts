import { createHmac } from 'node:crypto';

/**
 * Signs a request body exactly as Slack does: `v0=` + hex HMAC-SHA256 over `v0:<timestamp>:<body>`
 * with the app's signing secret. Used by tests and the sandbox to talk to the real Bolt receiver.
 */
export function slackSignatureHeaders(
  signingSecret: string,
  body: string,
  timestampSeconds: number = Math.floor(Date.now() / 1000),
): Record<string, string> {
  const signature = createHmac('sha256', signingSecret).update(`v0:${timestampSeconds}:${body}`).digest('hex');
  return {
    'x-slack-request-timestamp': String(timestampSeconds),
    'x-slack-signature': `v0=${signature}`,
  };
}

export interface SlashCommandFields {
  text: string;
  userId: string;
  userName?: string;
  channelId: string;
  channelName?: string;
  teamId?: string;
  command?: string;
  triggerId?: string;
}

/** The form body Slack POSTs for a slash command. */
export function slashCommandBody(f: SlashCommandFields, responseUrlBase = 'https://hooks.slack.com'): string {
  const triggerId = f.triggerId ?? `${Date.now()}.${Math.floor(Math.random() * 1e9)}.fake`;
  return new URLSearchParams({
    token: 'deprecated-verification-token',
    team_id: f.teamId ?? 'T0FAKE001',
    team_domain: 'fake',
    channel_id: f.channelId,
    channel_name: f.channelName ?? 'general',
    user_id: f.userId,
    user_name: f.userName ?? f.userId.toLowerCase(),
    command: f.command ?? '/incident',
    text: f.text,
    api_app_id: 'A0FAKE001',
    is_enterprise_install: 'false',
    response_url: `${responseUrlBase}/commands/T0FAKE001/1/fake`,
    trigger_id: triggerId,
  }).toString();
}
