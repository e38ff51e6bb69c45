import type { Figure } from './stats.ts';

const num = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The results as one Markdown table; ours next to the floor where there is one. */
export function markdownTable(figures: Figure[]): string {
  const lines = [
    '| suite | measure | unit | n | min | median | p99 | floor (median / p99) | ours ÷ floor | target |',
    '|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const f of figures) {
    const floor = f.floor ? `${f.floor.name}: ${num(f.floor.median)} / ${num(f.floor.p99)}` : '—';
    const ratio = f.floor && f.floor.median > 0 ? `${(f.median / f.floor.median).toFixed(2)}×` : '—';
    lines.push(
      `| ${f.suite}${f.engine ? ` · ${f.engine}` : ''} | ${f.measure}${f.note ? ` (${f.note})` : ''} | ${f.unit} | ${f.n} | ${num(f.min)} | ${num(f.median)} | ${num(f.p99)} | ${floor} | ${ratio} | ${f.target} |`,
    );
  }
  return lines.join('\n');
}
