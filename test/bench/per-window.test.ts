import { describe, expect, it } from 'vitest';
import { perWindow } from '../../bench/lib/per-window.ts';

describe('perWindow: calls counted in each window of a paced method', () => {
  it('counts each time in its window from the start, and an empty window as 0', () => {
    expect(perWindow([1_000, 1_999, 2_000, 4_500], 1_000, 1_000)).toEqual([2, 1, 0, 1]);
  });

  it('leaves out what came before the start, and is empty for no calls', () => {
    expect(perWindow([500, 1_200], 1_000, 1_000)).toEqual([1]);
    expect(perWindow([], 0, 1_000)).toEqual([]);
  });

  it('refuses a window that is not a positive length', () => {
    expect(() => perWindow([1], 0, 0)).toThrow(RangeError);
    expect(() => perWindow([1], 0, Number.NaN)).toThrow(RangeError);
  });
});
