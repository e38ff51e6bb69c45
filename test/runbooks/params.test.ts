import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadRunbooks, type Runbook } from '../../src/runbooks/load.ts';
import { checkParams } from '../../src/runbooks/params.ts';
import { compilePattern } from '../../src/runbooks/pattern.ts';
import { planRun, type IncidentFacts, type PlannedStep } from '../../src/runbooks/plan.ts';
import { FIXTURES } from './helpers.ts';

const SHIPPED = loadRunbooks(fileURLToPath(new URL('../../runbooks', import.meta.url)));
const HARDENING = loadRunbooks(`${FIXTURES}/hardening`);
const MAIN = loadRunbooks(FIXTURES);
const incident: IncidentFacts = {
  id: 7,
  title: 'Checkout down',
  severity: 'sev2',
  channel: 'C0INC',
  pagerdutyId: null,
};
const env = { HARDENING_BASE: 'http://127.0.0.1:8080', GITHUB_TOKEN: 'ghp_example' };

const book = (set: typeof SHIPPED, name: string): Runbook =>
  set.runbooks.get(name) ?? expect.unreachable(`${name}: ${set.problems.join('; ')}`);
/** Checks the values as the command would, then plans the run; returns the plan or the refusal. */
function plan(rb: Runbook, given: Record<string, string>, facts: Partial<IncidentFacts> = {}): PlannedStep[] {
  const { values } = checkParams(rb.spec, Object.entries(given));
  return planRun(rb, values, { ...incident, ...facts }, env);
}
const http = (steps: PlannedStep[], i = 0) => steps[i] as Extract<PlannedStep, { kind: 'http' }>;
const refusal = (f: () => unknown) => {
  try {
    f();
  } catch (error) {
    return (error as Error).message;
  }
  return 'accepted';
};

describe('parameter patterns run in linear time', () => {
  it('checks a 100 kB hostile value against every shipped pattern, and refuses it', () => {
    const hostile = `${'a'.repeat(100_000)}!`;
    const patterns = [...SHIPPED.runbooks.values()].flatMap((rb) =>
      Object.values(rb.spec.params).flatMap((p) => (p.type === 'string' && p.pattern ? [p] : [])),
    );
    expect(patterns.length).toBeGreaterThanOrEqual(4);
    for (const { pattern: source, max_length } of patterns) {
      expect({ source, matches: compilePattern(source!, max_length).pattern!.matches(hostile) }).toEqual({
        source,
        matches: false,
      });
    }
  });

  it('refuses a hostile value for the pattern that froze the bot, at the longest value it allows', () => {
    const rb = book(HARDENING, 'backtrack');
    expect(refusal(() => checkParams(rb.spec, [['host', `${'a'.repeat(3999)}!`]]))).toMatch(/^`host` must match /);
    expect(checkParams(rb.spec, [['host', 'db-1.internal.example.com']]).values).toEqual({
      host: 'db-1.internal.example.com',
    });
  });

  it('refuses a hostile value for the shipped dns-lookup, and still takes host names', () => {
    const rb = book(SHIPPED, 'dns-lookup');
    expect(refusal(() => checkParams(rb.spec, [['host', `${'a'.repeat(60)}!`]]))).toMatch(/^`host` must match /);
    for (const host of ['localhost', 'api.example.com', 'api.example.com.', 'db-1.eu-west-1.internal', 'x'])
      expect(checkParams(rb.spec, [['host', host]]).values.host).toBe(host);
    for (const host of ['-x', 'a..b', 'a-.b', '.a', 'a b'])
      expect(refusal(() => checkParams(rb.spec, [['host', host]]))).not.toBe('accepted');
  });

  it('bounds every value before any pattern sees it', () => {
    const rb = book(MAIN, 'argv');
    expect(refusal(() => checkParams(rb.spec, [['count', '1'.repeat(100_000)]]))).toBe(
      '`count` may be at most 4000 characters.',
    );
    expect(refusal(() => checkParams(rb.spec, [['value', 'x'.repeat(100_000)]]))).toBe(
      '`value` may be at most 200 characters.',
    );
    expect(refusal(() => checkParams(rb.spec, [['value', 'a\uD800b']]))).toBe(
      '`value` is not valid text (a lone UTF-16 surrogate).',
    );
  });
});

describe('values from the incident pass the parameter checks', () => {
  it('refuses a title that a program would read as an option', () => {
    expect(refusal(() => plan(book(MAIN, 'argv'), { value: 'x' }, { title: '--version' }))).toBe(
      'The incident\'s title (this runbook uses `{{incident.title}}`) may not start with "-" (a program could read it as an option).',
    );
    expect(refusal(() => plan(book(MAIN, 'argv'), { value: 'x' }, { title: 'a\nb' }))).toMatch(
      /may not contain control characters/,
    );
    expect(
      (plan(book(MAIN, 'argv'), { value: 'x' }, { title: 'db - replica lag' })[0] as { argv: string[] }).argv.at(-1),
    ).toBe('db - replica lag');
  });

  it('does not hold up a runbook that never uses the value', () => {
    expect(plan(book(MAIN, 'restart-db'), { replica: 'db-1' }, { title: '--version' })).toHaveLength(3);
  });
});

describe('URLs are built so no value changes where the request goes', () => {
  const paths = book(HARDENING, 'paths');

  it('refuses . and .. path segments, however they are written', () => {
    for (const owner of ['..', '.']) expect(refusal(() => plan(paths, { owner }))).toMatch(/may not be `\.` or `\.\.`/);
    const deploys = book(SHIPPED, 'recent-deploys');
    expect(refusal(() => plan(deploys, { owner: 'acme', repo: '..' }))).toMatch(/may not be `\.` or `\.\.`/);
    expect(http(plan(deploys, { owner: 'acme', repo: '.github' })).url).toBe(
      'https://api.github.com/repos/acme/.github/deployments?per_page=10',
    );
  });

  it('keeps /, ?, #, %2e and & inside the one component they were given for', () => {
    const cases: [string, string][] = [
      ['%2e%2e', '/repos/%252e%252e/deployments?ref=main'],
      ['a/../../admin', '/repos/a%2F..%2F..%2Fadmin/deployments?ref=main'],
      ['x?admin=1#', '/repos/x%3Fadmin%3D1%23/deployments?ref=main'],
      ['..\\..', '/repos/..%5C../deployments?ref=main'],
    ];
    for (const [owner, path] of cases)
      expect({ owner, url: http(plan(paths, { owner })).url }).toEqual({ owner, url: `http://127.0.0.1:8080${path}` });
    expect(http(plan(paths, { owner: 'acme', ref: 'x&admin=1' })).url).toBe(
      'http://127.0.0.1:8080/repos/acme/deployments?ref=x%26admin%3D1',
    );
  });

  it('takes a whole URL only as http(s), and refuses internal addresses at once unless allowed', () => {
    const probe = book(SHIPPED, 'http-probe');
    expect(refusal(() => plan(probe, { url: 'https://169.254.169.254/latest/meta-data' }))).toMatch(
      /^169\.254\.169\.254 is link-local .*: this runbook may not call it\. .*`allow_private: true`/,
    );
    expect(refusal(() => plan(probe, { url: 'https://127.0.0.1:8443/' }))).toMatch(/^127\.0\.0\.1 is loopback/);
    expect(http(plan(probe, { url: 'https://status.example.com/health' })).url).toBe(
      'https://status.example.com/health',
    );
  });
});

describe('bodies are built as data', () => {
  const post = book(HARDENING, 'post');
  const hostile = 'x","force":true,"y":"';

  it('serialises each value as one string, whatever it holds', () => {
    const steps = plan(post, { name: hostile, count: '3' }, { title: '"},"admin":true,"z":{"' });
    expect(JSON.parse(http(steps, 0).body!)).toEqual({
      name: hostile,
      count: 3,
      about: 'incident 7: "},"admin":true,"z":{"',
    });
    expect(JSON.parse(http(steps, 1).body!)).toEqual({ name: hostile, tags: [hostile] });
    expect(http(steps, 0).headers).toEqual({ 'Content-Type': 'application/json' });
  });
});
