/** A Slack Web API method's path (`/api/chat.postMessage`): names the call, carries no secret. */
const API_METHOD_PATH = /^\/api\/[A-Za-z][\w.]{0,100}$/;

/**
 * What an outgoing call's span may say of its URL. Operators' status webhook URLs carry their secret
 * in the path (Slack's `hooks.slack.com/services/…`) or the query, and upload URLs carry one too: a
 * span keeps the origin, and the path only when it is an API method's name; the query never.
 */
export function outgoingUrlAttributes(origin: string, path: string): Record<string, string> {
  const pathname = path.split('?', 1)[0] ?? '';
  const shown = API_METHOD_PATH.test(pathname) ? pathname : '/[redacted]';
  return { 'url.full': `${origin.replace(/\/+$/, '')}${shown}`, 'url.path': shown, 'url.query': '' };
}
