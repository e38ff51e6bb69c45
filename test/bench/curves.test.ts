import { describe, expect, it } from 'vitest';
import { curves, curvesTable, growthPer10x } from '../../bench/lib/curves.ts';
import { summarise, type Figure } from '../../bench/lib/stats.ts';

const point = (series: string, size: number, median: number): Figure => ({
  ...summarise('insights', `${series}, ${size}`, 'ms', [median]),
  scale: { series, size, of: 'stored incidents' },
});

describe('scale curves in the benchmark report', () => {
  it('expresses growth per 10× of size, whatever the step', () => {
    expect(growthPer10x({ size: 1_000, median: 2 }, { size: 10_000, median: 20 })).toBeCloseTo(10);
    // 100 → 10,000 is two 10× steps: 100× the time is 10× per step.
    expect(growthPer10x({ size: 100, median: 1 }, { size: 10_000, median: 100 })).toBeCloseTo(10);
    // Quadratic: 100× per 10×.
    expect(growthPer10x({ size: 1_000, median: 1 }, { size: 2_000, median: 4 })).toBeCloseTo(100);
  });

  it('groups each series by size, in order of size, and flags only growth beyond linear', () => {
    const list = curves([
      point('stats 90d', 10_000, 50),
      point('stats 90d', 1_000, 5),
      point('stats 90d', 100_000, 510),
      point('list', 1_000, 1),
      point('list', 10_000, 1.1),
      point('pairs', 1_000, 1),
      point('pairs', 10_000, 60),
      { ...summarise('insights', 'no curve', 'ms', [1]) },
      point('alone', 1_000, 3), // a single size is no curve
    ]);
    expect(list.map((c) => [c.series, c.points.map((p) => p.size), c.superLinear])).toEqual([
      ['stats 90d', [1_000, 10_000, 100_000], false],
      ['list', [1_000, 10_000], false],
      ['pairs', [1_000, 10_000], true],
    ]);
    expect(list[0]!.growthPer10x.map((g) => Number(g.toFixed(1)))).toEqual([10, 10.2]);
    const table = curvesTable(list);
    expect(table).toContain(
      '| insights | stats 90d (stored incidents) | ms | 1,000: 5.00 · 10,000: 50.0 · 100,000: 510 | 10.0×, then 10.2× | linear |',
    );
    expect(table).toContain('| insights | list (stored incidents) | ms | 1,000: 1.00 · 10,000: 1.10 | 1.1× | flat |');
    expect(table).toContain('| 60.0× | **super-linear** |');
  });

  it("keeps each storage engine's points a curve of its own, named as the tables name it", () => {
    const list = curves([
      point('update', 1_000, 4),
      { ...point('update', 1_000, 15), engine: 'postgres' },
      point('update', 10_000, 4.4),
      { ...point('update', 10_000, 14), engine: 'postgres' },
    ]);
    expect(list.map((c) => [c.engine ?? 'sqlite', c.points.map((p) => p.median)])).toEqual([
      ['sqlite', [4, 4.4]],
      ['postgres', [15, 14]],
    ]);
    expect(list.some((c) => c.superLinear)).toBe(false);
    expect(curvesTable(list)).toContain(
      '| insights · postgres | update (stored incidents) | ms | 1,000: 15.0 · 10,000: 14.0 |',
    );
  });
});
