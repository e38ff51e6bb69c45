import { createHmac, timingSafeEqual } from 'node:crypto';

/** A signed link is good for this long after `/incident stats` handed it out. */
export const LINK_TTL_MS = 24 * 60 * 60 * 1000;

/**
 * The key that signs insights links. Derived (HMAC, with a fixed label) from a secret the bot already
 * holds, so operators have no new secret to manage, a link never reveals the secret itself, and the
 * derived key cannot be used to forge a Slack request (nor the other way round).
 */
export function deriveLinkKey(secret: string): Buffer {
  return createHmac('sha256', secret).update('incident-bot/insights-link/v1').digest();
}

/** The signed text: every parameter, sorted by name, then the expiry, so no parameter can be added or swapped. */
function canonical(params: Record<string, string>, expires: number): string {
  const pairs = Object.keys(params)
    .filter((k) => k !== 'sig' && k !== 'exp')
    .sort()
    .map((k) => `${encodeURIComponent(k)}=${encodeURIComponent(params[k]!)}`);
  return `${pairs.join('&')}\n${expires}`;
}

export function signLink(key: Buffer, params: Record<string, string>, expires: number): string {
  return createHmac('sha256', key).update(canonical(params, expires)).digest('base64url');
}

export type LinkCheck = 'ok' | 'missing' | 'expired' | 'bad_signature';

/** Checks a link's `exp` and `sig` against the other parameters (constant-time compare). */
export function checkLink(key: Buffer, params: Record<string, string>, now: number): LinkCheck {
  const { sig, exp } = params;
  if (!sig || !exp) return 'missing';
  if (!/^\d{1,15}$/.test(exp)) return 'bad_signature';
  const expected = Buffer.from(signLink(key, params, Number(exp)));
  const given = Buffer.from(sig);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return 'bad_signature';
  return Number(exp) <= now ? 'expired' : 'ok';
}
