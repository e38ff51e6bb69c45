import { RE2JS } from 're2js';

/**
 * Parameter patterns run on RE2's engine (re2js): matching takes time linear in the value whatever
 * the pattern, so an operator's pattern that would backtrack on JavaScript's engine (the old
 * `dns-lookup` one froze the bot for 11 s on 28 characters) cannot block the event loop. The
 * features that need backtracking (backreferences, lookaround) do not compile, so such a pattern is
 * refused when the runbook loads instead of misbehaving at 3 a.m.
 */
export interface Pattern {
  /** Whether the whole value matches (the pattern is anchored at both ends). */
  matches(value: string): boolean;
}

export type Compiled = { pattern: Pattern; problem?: undefined } | { pattern?: undefined; problem: string };

/**
 * RE2 is linear in the value, but each character may walk the whole compiled program, and counted
 * repetitions multiply it: `(?:a?){1000}` ten times is 20,000 steps, seconds on the main thread for
 * one 4,000-character value. So a pattern's program size times the longest value it is given is
 * bounded: about 30 ms at worst. Ordinary patterns (a host name, a 40-digit sha) cost far less.
 */
export const MATCH_BUDGET = 1_000_000;

export function compilePattern(source: string, maxLength: number): Compiled {
  try {
    const re = RE2JS.compile(source);
    const size = re.programSize();
    if (size * maxLength > MATCH_BUDGET) {
      const fits = Math.max(1, Math.floor(MATCH_BUDGET / size));
      return {
        problem:
          `too costly to match: its program has ${size} steps, walked for each of up to ${maxLength} characters ` +
          `(at most ${MATCH_BUDGET.toLocaleString('en')} in all: lower max_length to ${fits} or use fewer or smaller counted repetitions such as {1000})`,
      };
    }
    return { pattern: { matches: (value) => re.testExact(value) } };
  } catch (error) {
    const why = (error as Error).message.replace(/^error parsing regexp: /, '');
    return { problem: `${why} (patterns use RE2 syntax, matched in linear time: no backreferences or lookaround)` };
  }
}
