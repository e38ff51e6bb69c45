/** One figure in the results: samples summarised, with the target it is judged against. */
export interface Figure {
  suite: string;
  measure: string;
  unit: string;
  n: number;
  min: number;
  median: number;
  p99: number;
  max: number;
  /** What good looks like, in words (from issue 9), or '—'. */
  target: string;
  /** The same measure for the floor, when the suite has one. */
  floor?: { name: string; median: number; p99: number };
  note?: string;
  /** The storage engine, when the suite measures the same thing on PostgreSQL too (absent: SQLite, the default). */
  engine?: 'postgres';
  /** One point of a scale curve: the same measure at several sizes (see curves.ts). */
  scale?: { series: string; size: number; of: string };
}

export const percentile = (xs: number[], p: number): number => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
};

/** How long `fn` took, in µs (one sample of a synchronous call). */
export const micros = (fn: () => unknown): number => {
  const start = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - start) / 1000;
};

export function summarise(suite: string, measure: string, unit: string, xs: number[], target = '—'): Figure {
  if (xs.length === 0) throw new Error(`${suite}: no samples for ${measure}`);
  return {
    suite,
    measure,
    unit,
    n: xs.length,
    min: Math.min(...xs),
    median: percentile(xs, 50),
    p99: percentile(xs, 99),
    max: Math.max(...xs),
    target,
  };
}

export const withFloor = (f: Figure, name: string, xs: number[]): Figure => ({
  ...f,
  floor: { name, median: percentile(xs, 50), p99: percentile(xs, 99) },
});

export interface SuiteOptions {
  quick: boolean;
}

export interface Suite {
  name: string;
  run(opts: SuiteOptions): Promise<Figure[]>;
}
