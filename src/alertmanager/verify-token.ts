import { createHash, timingSafeEqual } from 'node:crypto';

/** Longer headers are not a token this bot handed out; refused before hashing. */
const HEADER_MAX = 1024;

/**
 * Checks `Authorization: Bearer <token>` (what Alertmanager sends with `http_config.authorization`)
 * against the configured token. Both sides are hashed first, so the comparison takes the same time
 * whatever the lengths and wherever they differ.
 */
export function verifyBearerToken(header: string | string[] | undefined, token: string): boolean {
  if (typeof header !== 'string' || header.length > HEADER_MAX || token.length === 0) return false;
  const match = /^Bearer +(\S+)\s*$/i.exec(header);
  if (!match) return false;
  const digest = (s: string) => createHash('sha256').update(s).digest();
  return timingSafeEqual(digest(match[1]!), digest(token));
}
