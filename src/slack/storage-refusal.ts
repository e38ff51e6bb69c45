import type { ServerResponse } from 'node:http';
import { z } from 'zod';
import type { StorageUnavailableError } from '../db/storage-error.ts';

/** How long Slack is asked to wait before retrying an event the bot could not record. */
const RETRY_AFTER_SECONDS = '30';

const interaction = z.object({
  type: z.string().max(64),
  user: z.object({ id: z.string().max(32) }).optional(),
  channel: z.object({ id: z.string().max(32) }).optional(),
});

/** Tells one person something only they see (chat.postEphemeral); never throws. */
export type TellPerson = (channel: string, user: string, text: string) => Promise<unknown>;

function parseInteraction(body: string) {
  try {
    const payload = new URLSearchParams(body).get('payload');
    return payload === null ? undefined : interaction.safeParse(JSON.parse(payload)).data;
  } catch {
    return undefined;
  }
}

/**
 * Answers a signed Slack request the bot cannot record (its replay check could not be written),
 * without acting on it: each kind of request the way its sender shows it to the person. A command
 * gets the reason as an ephemeral reply, a button an ephemeral message, a form a modal pushed over
 * it (what was typed stays underneath, to submit again); an event gets 503 and Slack retries it.
 */
export function refuseUnrecorded(
  res: ServerResponse,
  body: string,
  error: StorageUnavailableError,
  tell: TellPerson | undefined,
): void {
  const json = (value: unknown) =>
    void res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' }).end(JSON.stringify(value));
  const form = new URLSearchParams(body);
  if (form.has('command')) return json({ response_type: 'ephemeral', text: error.message });
  const payload = parseInteraction(body);
  if (payload?.type === 'block_actions' && payload.user && payload.channel && tell) {
    void tell(payload.channel.id, payload.user.id, error.message);
    return void res.writeHead(200).end();
  }
  if (payload?.type === 'view_submission') {
    return json({
      response_action: 'push',
      view: {
        type: 'modal',
        title: { type: 'plain_text', text: 'Not recorded' },
        close: { type: 'plain_text', text: 'Back' },
        blocks: [{ type: 'section', text: { type: 'plain_text', text: error.message } }],
      },
    });
  }
  res.writeHead(503, { 'retry-after': RETRY_AFTER_SECONDS }).end();
}
