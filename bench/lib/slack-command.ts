import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';

export const SIGNING_SECRET = 'bench-signing-secret';

/** Sends `/incident <text>` to the bot as Slack would (signed), and returns the reply text and latency. */
export async function slashCommand(
  url: string,
  text: string,
  opts: { user: string; channel: string },
): Promise<{ status: number; text: string; ms: number }> {
  const body = slashCommandBody({ text, userId: opts.user, channelId: opts.channel });
  const t0 = performance.now();
  const res = await fetch(`${url}/slack/events`, {
    method: 'POST',
    body,
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignatureHeaders(SIGNING_SECRET, body) },
  });
  const raw = await res.text();
  const ms = performance.now() - t0;
  let reply = raw;
  try {
    reply = String((JSON.parse(raw) as { text?: string }).text ?? raw);
  } catch {
    // an empty ack
  }
  return { status: res.status, text: reply, ms };
}
