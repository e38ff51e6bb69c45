/**
 * Every regex run over text from people or vendors, on the 100 kB inputs that made the old
 * patterns backtrack (test/text/linear-regex.test.ts checks the answers): each timed beside a
 * floor, one pass over the same input in plain JavaScript (`charCodeAt` per character; `indexOf`
 * is memchr and measures nothing at this size), and at a tenth of the size, so a reader sees the
 * time grow tenfold (linear), not a hundredfold.
 */
import { parseUpdateFlags } from '../../src/commands/parse.ts';
import { fromSlackText, splitTrailingMention } from '../../src/slack/command-text.ts';
import { escapeMarkdown } from '../../src/postmortem/render.ts';
import { neutraliseMentions } from '../../src/text/github-mentions.ts';
import { withoutSlackMentions } from '../../src/text/public-text.ts';
import { xmlSafe } from '../../src/text/xml-safe.ts';
import { summarise, withFloor, type Figure, type Suite } from '../lib/stats.ts';

const SIZE = 100_000;
const fill = (unit: string, size = SIZE) => unit.repeat(Math.ceil(size / unit.length));

const CASES: { measure: string; input: (size: number) => string; run: (text: string) => unknown }[] = [
  {
    measure: 'trailing mention after 100 kB of spaces (declare, followup)',
    input: (n) => `Checkout down${' '.repeat(n)}x`,
    run: splitTrailingMention,
  },
  {
    measure: 'report Markdown escaping, 100 kB of newlines',
    input: (n) => `${'\n'.repeat(n)}# x`,
    run: escapeMarkdown,
  },
  { measure: 'Slack markup decoding, 100 kB of unclosed <@U1|', input: (n) => fill('<@U1|', n), run: fromSlackText },
  { measure: 'Slack markup decoding, 100 kB of unclosed <http:', input: (n) => fill('<http:', n), run: fromSlackText },
  {
    measure: 'public text: Slack mentions removed, 100 kB of <@U1|',
    input: (n) => fill('<@U1|', n),
    run: withoutSlackMentions,
  },
  { measure: 'update flags, 100 kB of spaces', input: (n) => `${' '.repeat(n)}fixed --public`, run: parseUpdateFlags },
  { measure: 'GitHub mentions neutralised, 100 kB of " @a"', input: (n) => fill(' @a', n), run: neutraliseMentions },
  { measure: 'XML-forbidden characters removed, 100 kB of "\\uFFFFa"', input: (n) => fill('\uFFFFa', n), run: xmlSafe },
];

/** Visits every character once: the least any scan of the text costs in JavaScript. */
function floorScan(text: string): number {
  let sum = 0;
  for (let i = 0; i < text.length; i++) sum += text.charCodeAt(i);
  return sum;
}

function time(fn: () => unknown, runs: number): number[] {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    fn();
    times.push(performance.now() - started);
  }
  return times;
}

export const textRegex: Suite = {
  name: 'text-regex',
  async run({ quick }) {
    const runs = quick ? 5 : 30;
    const figures: Figure[] = [];
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const c of CASES) {
      const input = c.input(SIZE);
      const tenth = c.input(SIZE / 10);
      for (let i = 0; i < 3; i++) (c.run(input), c.run(tenth), floorScan(input)); // warm up
      const ours = time(() => c.run(input), runs);
      const small = time(() => c.run(tenth), runs);
      const floor = time(() => floorScan(input), runs);
      const figure = withFloor(
        summarise('text-regex', c.measure, 'ms', ours),
        'one charCodeAt pass over the same input',
        floor,
      );
      figures.push({ ...figure, note: `10 kB: median ${median(small).toFixed(3)} ms` });
    }
    return figures;
  },
};
