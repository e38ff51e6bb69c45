/**
 * Scale curves: the same measure at two or three sizes (1k/10k/100k stored incidents, 100/1k/10k
 * timeline events), with how the median grows per 10× of size. Linear work grows 10× per 10×; a
 * fixed cost (a request's overhead) makes small sizes grow less; more than linear is flagged,
 * because nothing the bot does needs it (no work compares every item with every other).
 */
import type { Figure } from './stats.ts';

/** Growth per 10× above which a curve is called super-linear: an exponent of 1.15 (10^1.15 ≈ 14×). */
export const SUPER_LINEAR_PER_10X = 10 ** 1.15;

export interface Curve {
  suite: string;
  series: string;
  /** The storage engine, when not SQLite: each engine's points are a curve of their own. */
  engine?: 'postgres';
  unit: string;
  /** What the size counts (`stored incidents`, `timeline events`). */
  of: string;
  points: { size: number; median: number }[];
  /** Between each point and the next, the median's growth scaled to a 10× step of size. */
  growthPer10x: number[];
  superLinear: boolean;
}

/** Growth of `b` over `a` for a size step of `sa` → `sb`, expressed per 10× of size. */
export function growthPer10x(a: { size: number; median: number }, b: { size: number; median: number }): number {
  return (b.median / a.median) ** (1 / Math.log10(b.size / a.size));
}

export function curves(figures: Figure[]): Curve[] {
  const bySeries = new Map<string, Figure[]>();
  for (const f of figures) {
    if (!f.scale) continue;
    const key = `${f.suite}\u0000${f.engine ?? ''}\u0000${f.scale.series}`;
    bySeries.set(key, [...(bySeries.get(key) ?? []), f]);
  }
  const out: Curve[] = [];
  for (const fs of bySeries.values()) {
    if (fs.length < 2) continue;
    const first = fs[0]!;
    const points = fs.map((f) => ({ size: f.scale!.size, median: f.median })).sort((a, b) => a.size - b.size);
    const growth = points.slice(1).map((p, i) => growthPer10x(points[i]!, p));
    out.push({
      suite: first.suite,
      series: first.scale!.series,
      ...(first.engine ? { engine: first.engine } : {}),
      unit: first.unit,
      of: first.scale!.of,
      points,
      growthPer10x: growth,
      superLinear: growth.some((g) => g > SUPER_LINEAR_PER_10X),
    });
  }
  return out;
}

const num = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The curves as one Markdown table: each size's median, the growth per 10× between sizes, the verdict. */
export function curvesTable(list: Curve[]): string {
  const lines = [
    '| suite | measure | unit | median at each size | growth per 10× of size | |',
    '|---|---|---|---|---|---|',
  ];
  for (const c of list) {
    const at = c.points.map((p) => `${p.size.toLocaleString('en')}: ${num(p.median)}`).join(' · ');
    const growth = c.growthPer10x.map((g) => `${g.toFixed(1)}×`).join(', then ');
    const verdict = c.superLinear
      ? '**super-linear**'
      : c.growthPer10x.every((g) => g < 2)
        ? 'flat'
        : c.growthPer10x.every((g) => g < 7)
          ? 'sub-linear'
          : 'linear';
    lines.push(
      `| ${c.suite}${c.engine ? ` · ${c.engine}` : ''} | ${c.series} (${c.of}) | ${c.unit} | ${at} | ${growth} | ${verdict} |`,
    );
  }
  return lines.join('\n');
}
