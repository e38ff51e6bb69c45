import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { mask, SecretMasker } from '../../src/runbooks/masking.ts';

const SECRETS = new Map([
  ['s3cr3t-value', 'TOKEN'],
  ['hunter2', 'PASSWORD'],
]);
const stream = (chunks: string[]) => {
  const m = new SecretMasker(SECRETS);
  return { out: chunks.map((c) => m.push(c)), end: m.end() };
};

describe('masking secrets over a stream of chunks', () => {
  it('masks a secret split across chunks, and lets out none of it early', () => {
    const { out, end } = stream(['token: s3c', 'r3t-v', 'alue done', '']);
    expect(out.join('') + end).toBe('token: ‹TOKEN› done');
    expect(out.some((c) => c.includes('s3c'))).toBe(false);
  });

  it('lets out a held-back tail that turned out not to be a secret, at the end', () => {
    const { out, end } = stream(['ends with hunt']);
    // Held back: the longest secret less one character, which could be its start.
    expect(out.join('')).toBe('end');
    expect(end).toBe('s with hunt');
  });

  it('gives the same text as masking the whole output, however it is cut', () => {
    const pieces = fc.array(
      fc.constantFrom('s3cr3t-value', 'hunter2', 's3c', 'r3t-', 'hunt', 'er2', 'x', ' ', 'value'),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(pieces, fc.array(fc.nat(), { maxLength: 10 }), (parts, cuts) => {
        const whole = parts.join('');
        const at = [...new Set(cuts.map((c) => c % (whole.length + 1)))].sort((a, b) => a - b);
        const chunks = [0, ...at, whole.length]
          .slice(1)
          .map((end, i, ends) => whole.slice(i === 0 ? 0 : ends[i - 1], end));
        const { out, end } = stream(chunks);
        expect(out.join('') + end).toBe(mask(whole, SECRETS));
      }),
      { seed: 4242, numRuns: 300 },
    );
  });
});
