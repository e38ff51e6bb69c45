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

export function compilePattern(source: string): Compiled {
  try {
    const re = RE2JS.compile(source);
    return { pattern: { matches: (value) => re.testExact(value) } };
  } catch (error) {
    const why = (error as Error).message.replace(/^error parsing regexp: /, '');
    return { problem: `${why} (patterns use RE2 syntax, matched in linear time: no backreferences or lookaround)` };
  }
}
