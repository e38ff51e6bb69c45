import fc from 'fast-check';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/lib/errors.ts';
import { loadRunbooks } from '../../src/runbooks/load.ts';
import { checkParams } from '../../src/runbooks/params.ts';
import { planRun, type IncidentFacts, type PlannedStep } from '../../src/runbooks/plan.ts';

const SEED = Number(process.env.FUZZ_SEED ?? 424242);
const RUNS = Number(process.env.FUZZ_RUNS ?? 500);

/** One runbook that puts the same values everywhere a value can go: argv, a URL path and query, a JSON body. */
const RUNBOOK = `name: everywhere
version: 1
description: Every place a value can go.
params:
  a: { type: string, max_length: 300 }
  b: { type: string, max_length: 300, allow_leading_dash: true }
steps:
  - exec: { program: node, args: ['{{a}}', 'x{{a}}', '{{b}}', '{{incident.title}}'] }
  - http:
      method: POST
      url: 'https://api.example.test/v1/items/{{a}}/{{incident.title}}/sub?q={{a}}&t={{incident.title}}#{{a}}'
      # JSON text, the form that string substitution used to break (YAML data is built the same way).
      body: '{"a": "{{a}}", "nested": {"list": ["{{a}}", "pre {{incident.title}} post"]}}'
      headers: { X-Value: '{{a}}' }
`;
const dir = mkdtempSync(join(tmpdir(), 'fuzz-runbooks-'));
writeFileSync(join(dir, 'everywhere.yaml'), RUNBOOK);
const set = loadRunbooks(dir);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Values as an attacker would choose them: structure characters, encodings, dots, dashes, Unicode. */
const hostile = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.string({ unit: 'binary', maxLength: 100 }),
  fc.string({
    unit: fc.constantFrom(
      '.',
      '/',
      '%',
      '2',
      'e',
      'E',
      '?',
      '#',
      '&',
      '=',
      '\\',
      '"',
      ',',
      ':',
      '{',
      '}',
      '-',
      '@',
      ' ',
      'a',
    ),
    maxLength: 40,
  }),
  fc.constantFrom(
    '..',
    '.',
    '%2e%2e',
    '%2E.',
    '.%2e',
    '-',
    '--version',
    '-rf',
    'x","force":true,"y":"',
    '"}',
    '../../admin',
    '@evil.test',
    '//evil.test',
    '\\\\evil.test',
    '?#',
  ),
);

type Outcome = { refused: string } | { plan: PlannedStep[] };
function attempt(a: string, b: string, title: string): Outcome {
  const rb = set.runbooks.get('everywhere')!;
  const incident: IncidentFacts = { id: 1, title, severity: 'sev3', channel: 'C0X', pagerdutyId: null };
  try {
    const { values } = checkParams(rb.spec, [
      ['a', a],
      ['b', b],
    ]);
    return { plan: planRun(rb, values, incident, {}) };
  } catch (error) {
    if (!(error instanceof UserError)) throw error;
    return { refused: error.message };
  }
}

describe('runbook parameters (property-based, seeded)', () => {
  it('loads the runbook under test', () => expect(set.problems).toEqual([]));

  it('never lets a value change the URL origin or path shape, add a JSON key, or start an option it may not', () => {
    let planned = 0;
    fc.assert(
      fc.property(hostile, hostile, hostile, (a, b, title) => {
        const outcome = attempt(a, b, title);
        if ('refused' in outcome) return;
        planned++;
        const [exec, http] = outcome.plan as [
          Extract<PlannedStep, { kind: 'exec' }>,
          Extract<PlannedStep, { kind: 'http' }>,
        ];
        // argv: one element per argument; only the parameter that allows it may start with '-'.
        expect(exec.argv).toHaveLength(4);
        expect([
          exec.argv[0]!.startsWith('-'),
          exec.argv[1]!.startsWith('x'),
          exec.argv[2],
          exec.argv[3]!.startsWith('-'),
        ]).toEqual([false, true, b, false]);
        // URL: same origin, same number of path segments, the query keeps its two keys, values round-trip.
        const url = new URL(http.url);
        expect(url.origin).toBe('https://api.example.test');
        expect(url.pathname.split('/')).toHaveLength(6);
        expect(url.pathname.split('/').slice(0, 4)).toEqual(['', 'v1', 'items', encodeURIComponent(a)]);
        expect([...url.searchParams.keys()]).toEqual(['q', 't']);
        expect(url.searchParams.get('q')).toBe(a);
        expect(url.searchParams.get('t')).toBe(title);
        // Body: exactly the keys the runbook wrote, each value whole.
        expect(JSON.parse(http.body!)).toEqual({ a, nested: { list: [a, `pre ${title} post`] } });
      }),
      { seed: SEED, numRuns: RUNS },
    );
    // The property says something only if many hostile values got through to a plan.
    expect(planned).toBeGreaterThan(RUNS / 5);
  });

  it('refuses only for a reason it names', () => {
    fc.assert(
      fc.property(hostile, hostile, (a, title) => {
        const outcome = attempt(a, 'ok', title);
        if ('refused' in outcome)
          expect(outcome.refused).toMatch(
            /^(`a`|The incident's title \(this runbook uses `\{\{incident\.title\}\}`\)|A URL path segment) /,
          );
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
