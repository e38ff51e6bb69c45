import { createHmac, timingSafeEqual } from 'node:crypto';

/** At most this many signatures are looked at: rotation needs two or three, not hundreds. */
const MAX_SIGNATURES = 10;

/**
 * Verifies `X-PagerDuty-Signature`: comma-separated `v1=<hex HMAC-SHA256 of the raw body>`, one per
 * signing secret during rotation. True when any `v1` signature matches any of our secrets.
 */
export function verifyPagerDutySignature(
  rawBody: Buffer,
  header: string | undefined,
  secrets: readonly string[],
): boolean {
  if (!header || secrets.length === 0) return false;
  const provided = header
    .split(',')
    .slice(0, MAX_SIGNATURES)
    .map((s) => s.trim())
    .filter((s) => s.startsWith('v1='))
    .map((s) => s.slice(3))
    .filter((hex) => /^[0-9a-f]{64}$/i.test(hex))
    .map((hex) => Buffer.from(hex, 'hex'));
  if (provided.length === 0) return false;
  let ok = false;
  for (const secret of secrets) {
    const expected = createHmac('sha256', secret).update(rawBody).digest();
    // Compare against every provided signature (no early exit) in constant time per comparison.
    for (const sig of provided) ok = timingSafeEqual(sig, expected) || ok;
  }
  return ok;
}

/** The header PagerDuty would send for this body, signed with each secret (tests and the sandbox). */
export function pagerDutySignatureHeader(rawBody: string | Buffer, secrets: readonly string[]): string {
  return secrets.map((s) => `v1=${createHmac('sha256', s).update(rawBody).digest('hex')}`).join(',');
}
