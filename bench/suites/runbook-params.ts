/**
 * What checking a hostile runbook parameter costs now that patterns run on RE2 (re2js): a 100 kB
 * value of the shape that made the old dns-lookup pattern backtrack (a long run the pattern accepts,
 * then one character it does not), matched against each shipped pattern, beside the floor: the same
 * check with a trivial pattern (`.*`). A pattern with a bounded repeat (a GitHub owner name) gives
 * up after its bound, so its figure is near zero. Also the whole parameter check of the longest value a string
 * parameter may take (4000 characters) against the pattern that froze the bot, as the command does it.
 * In-process and CPU-bound; figures are printed, not asserted.
 */
import { fileURLToPath } from 'node:url';
import { loadRunbooks } from '../../src/runbooks/load.ts';
import { checkParams } from '../../src/runbooks/params.ts';
import { compilePattern } from '../../src/runbooks/pattern.ts';
import { summarise, withFloor, type Figure, type Suite } from '../lib/stats.ts';

const SHIPPED = fileURLToPath(new URL('../../runbooks', import.meta.url));
const HARDENING = fileURLToPath(new URL('../../test/runbooks/fixtures/hardening', import.meta.url));

/** A value each pattern accepts for 100 kB and then refuses at its last character (the backtracking shape). */
const hostileFor = (pattern: string) => `${pattern.startsWith('https://') ? 'https://' : ''}${'a'.repeat(100_000)}!`;

function time(samples: number, f: () => unknown): number[] {
  f(); // warm-up: the first run pays for compiling and the JIT
  const xs: number[] = [];
  for (let i = 0; i < samples; i++) {
    const t0 = performance.now();
    f();
    xs.push(performance.now() - t0);
  }
  return xs;
}

export const runbookParams: Suite = {
  name: 'runbook-params',
  async run({ quick }) {
    const samples = quick ? 10 : 50;
    const trivial = compilePattern('.*', 1).pattern!;
    const plainHostile = hostileFor('');
    const floor = time(samples, () => trivial.matches(plainHostile));
    const figures: Figure[] = [];
    for (const rb of loadRunbooks(SHIPPED).runbooks.values()) {
      for (const [name, p] of Object.entries(rb.spec.params)) {
        if (p.type !== 'string' || !p.pattern) continue;
        const pattern = compilePattern(p.pattern, p.max_length).pattern!;
        const hostile = hostileFor(p.pattern);
        const xs = time(samples, () => pattern.matches(hostile));
        figures.push(
          withFloor(
            summarise('runbook-params', `100 kB hostile value vs ${rb.spec.name}.${name} pattern`, 'ms', xs),
            'same value vs `.*`',
            floor,
          ),
        );
      }
    }
    const backtrack = loadRunbooks(HARDENING).runbooks.get('backtrack')!;
    const longest = `${'a'.repeat(3999)}!`;
    const check = time(samples * 4, () => {
      try {
        checkParams(backtrack.spec, [['host', longest]]);
      } catch {
        // Refused, as it must be: the cost of saying so is what is measured.
      }
    });
    const plain = { ...backtrack.spec, params: { host: { ...backtrack.spec.params.host!, pattern: '.*' } } };
    const checkFloor = time(samples * 4, () => checkParams(plain, [['host', longest]]));
    figures.push(
      withFloor(
        summarise(
          'runbook-params',
          'checkParams: 4000-char hostile value vs the pattern that froze the bot',
          'ms',
          check,
        ),
        'same check with `.*`',
        checkFloor,
      ),
    );
    return figures;
  },
};
