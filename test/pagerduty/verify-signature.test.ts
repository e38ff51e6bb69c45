import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { pagerDutySignatureHeader, verifyPagerDutySignature } from '../../src/pagerduty/verify-signature.ts';

const body = Buffer.from('{"event":{"id":"1","title":"Ünïcödé 🔥"}}', 'utf8');
const sign = (secret: string, b: Buffer = body) => `v1=${createHmac('sha256', secret).update(b).digest('hex')}`;

describe('PagerDuty v3 signature verification', () => {
  it('accepts the v1 HMAC-SHA256 of the raw body, unicode included', () => {
    expect(verifyPagerDutySignature(body, sign('s3cret'), ['s3cret'])).toBe(true);
  });

  it('accepts any of several signatures and any of our secrets (rotation)', () => {
    const header = `${sign('their-old')},${sign('current')}`;
    expect(verifyPagerDutySignature(body, header, ['current'])).toBe(true);
    expect(verifyPagerDutySignature(body, sign('current'), ['previous', 'current'])).toBe(true);
  });

  it('refuses a missing header, no secrets, other versions, malformed hex and another body', () => {
    expect(verifyPagerDutySignature(body, undefined, ['s3cret'])).toBe(false);
    expect(verifyPagerDutySignature(body, sign('s3cret'), [])).toBe(false);
    expect(verifyPagerDutySignature(body, sign('s3cret').replace('v1=', 'v2='), ['s3cret'])).toBe(false);
    expect(verifyPagerDutySignature(body, 'v1=not-hex', ['s3cret'])).toBe(false);
    expect(verifyPagerDutySignature(body, sign('s3cret').slice(0, 40), ['s3cret'])).toBe(false);
    expect(verifyPagerDutySignature(Buffer.from('{}'), sign('s3cret'), ['s3cret'])).toBe(false);
  });

  it('signs as PagerDuty does, for the fakes', () => {
    expect(pagerDutySignatureHeader(body, ['a', 'b'])).toBe(`${sign('a')},${sign('b')}`);
  });
});
