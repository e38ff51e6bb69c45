import { describe, expect, it } from 'vitest';
import { publicVersion } from '../../src/statuspage/public-version.ts';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("the status page's version of what the public sees", () => {
  const counting = () => {
    const state = { reads: 0, stored: 'v1' };
    return { state, read: () => (state.reads++, state.stored) };
  };

  it('asks the database once for any number of reads while nothing is known to change', () => {
    const { state, read } = counting();
    const version = publicVersion(read, 60_000);
    for (let i = 0; i < 1000; i++) expect(version.current()).toBe('v1');
    expect(state.reads).toBe(1);
  });

  it("asks again at once after this process's own commit", () => {
    const { state, read } = counting();
    const version = publicVersion(read, 60_000);
    version.current();
    state.stored = 'v2';
    version.changed();
    expect(version.current()).toBe('v2');
    expect(state.reads).toBe(2);
  });

  it('sees a change made elsewhere once the recheck interval has passed, and not before', async () => {
    const { state, read } = counting();
    const version = publicVersion(read, 40);
    version.current();
    state.stored = 'v2';
    expect(version.current()).toBe('v1');
    await sleep(60);
    expect(version.current()).toBe('v2');
    expect(state.reads).toBe(2);
  });
});
