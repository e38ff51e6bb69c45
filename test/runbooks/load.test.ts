import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loadRunbooks } from '../../src/runbooks/load.ts';

const GOOD = `name: good
version: 3
description: Fine.
steps:
  - exec: { program: node, args: [-e, 'console.log(1)'] }
`;
const dirs: string[] = [];
const dirWith = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'runbooks-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('loading runbooks', () => {
  it('reports each broken file by name and line, and still loads the others', () => {
    const set = loadRunbooks(
      dirWith({
        'a-good.yaml': GOOD,
        'bad-yaml.yaml': 'name: x\nsteps: [\n',
        'typo.yaml': 'name: typo\nversion: 1\ndescription: d\nsteps:\n  - exec: { program: node }\n    confrim: true\n',
        'placeholder.yaml':
          "name: ph\nversion: 1\ndescription: d\nsteps:\n  - exec:\n      program: node\n      args: ['{{missing}}']\n",
        'program.yaml': 'name: prog\nversion: 1\ndescription: d\nsteps:\n  - exec: { program: no-such-program-here }\n',
        'secret.yaml':
          "name: secret\nversion: 1\ndescription: d\nsteps:\n  - http: { url: 'https://x.test/{{env.SLACK_BOT_TOKEN}}' }\n",
        'dup.yaml': GOOD,
        'shell.yaml':
          "name: shell\nversion: 1\ndescription: d\nparams:\n  p: { type: string }\nsteps:\n  - exec: { program: '{{p}}' }\n",
        'pattern.yaml':
          "name: pat\nversion: 1\ndescription: d\nparams:\n  p: { type: string, pattern: '([' }\nsteps:\n  - slack: { text: '{{p}}' }\n",
        'notes.txt': 'not a runbook',
      }),
    );
    expect([...set.runbooks.keys()]).toEqual(['good']);
    expect(set.problems).toEqual([
      expect.stringMatching(/^bad-yaml\.yaml:3: /),
      'dup.yaml:1: name good is already used by a-good.yaml',
      'pattern.yaml:5: params.p.pattern is refused: missing closing ]: `[` (patterns use RE2 syntax, matched in linear time: no backreferences or lookaround)',
      'placeholder.yaml:7: {{missing}} — no such parameter',
      'program.yaml:5: program no-such-program-here is not found or not executable',
      "secret.yaml:5: {{env.SLACK_BOT_TOKEN}} — list SLACK_BOT_TOKEN under this step's env to use it",
      expect.stringMatching(/^shell\.yaml:7: program \{\{p\}\} is not found or not executable$/),
      'shell.yaml:7: the program cannot come from a parameter',
      'typo.yaml:6: steps.0.confrim is not a runbook key',
    ]);
  });

  it('refuses patterns that need a backtracking engine, naming the file and the field', () => {
    const withPattern = (name: string, pattern: string) =>
      `name: ${name}\nversion: 1\ndescription: d\nparams:\n  p:\n    type: string\n    pattern: '${pattern}'\nsteps:\n  - slack: { text: '{{p}}' }\n`;
    const set = loadRunbooks(
      dirWith({
        'backref.yaml': withPattern('backref', '(a+)\\1'),
        'lookahead.yaml': withPattern('lookahead', '(?=[a-z])\\w+'),
        'lookbehind.yaml': withPattern('lookbehind', '(?<!-)[a-z]+'),
        // Nested quantifiers backtrack on JavaScript's engine but are linear on RE2's: accepted.
        'nested.yaml': withPattern('nested', '([a-z]+)+'),
      }),
    );
    expect([...set.runbooks.keys()]).toEqual(['nested']);
    expect(set.problems).toEqual([
      'backref.yaml:7: params.p.pattern is refused: invalid escape sequence: `\\1` (patterns use RE2 syntax, matched in linear time: no backreferences or lookaround)',
      'lookahead.yaml:7: params.p.pattern is refused: invalid or unsupported Perl syntax: `(?=` (patterns use RE2 syntax, matched in linear time: no backreferences or lookaround)',
      expect.stringMatching(/^lookbehind\.yaml:7: params\.p\.pattern is refused: .*no backreferences or lookaround\)$/),
    ]);
  });

  it('refuses a pattern whose matching costs too much at its longest value (counted repetitions blow RE2 up), and keeps ordinary ones', () => {
    const withPattern = (name: string, pattern: string, max = 200) =>
      `name: ${name}\nversion: 1\ndescription: d\nparams:\n  p:\n    type: string\n    max_length: ${max}\n    pattern: '${pattern}'\nsteps:\n  - slack: { text: '{{p}}' }\n`;
    const set = loadRunbooks(
      dirWith({
        // Linear in the value, but each of the 20,000 program steps is walked for every character:
        // seconds of a blocked event loop for one 4,000-character value.
        'counted.yaml': withPattern('counted', '(?:a?){1000}'.repeat(10), 4000),
        'host.yaml': withPattern(
          'host',
          '[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*',
          253,
        ),
        'fqdn.yaml': withPattern('fqdn', '(?:[a-z]{1,63}\\.){1,10}[a-z]{2,63}', 253),
        'sha.yaml': withPattern('sha', '[a-f0-9]{40}', 40),
      }),
    );
    expect([...set.runbooks.keys()].sort()).toEqual(['fqdn', 'host', 'sha']);
    expect(set.problems).toEqual([
      expect.stringMatching(/^counted\.yaml:8: params\.p\.pattern is refused: too costly to match/),
    ]);
  });

  it('refuses an http step that sends a secret (env.*) to a host that a parameter chooses: whoever runs it would receive the secret', () => {
    const http = (name: string, url: string) =>
      `name: ${name}\nversion: 1\ndescription: d\nparams:\n  p: { type: string }\nsteps:\n  - http:\n      url: '${url}'\n      headers: { Authorization: 'Bearer {{env.API_TOKEN}}' }\n      env: [API_TOKEN]\n`;
    const set = loadRunbooks(
      dirWith({
        'whole.yaml': http('whole', '{{p}}'),
        'host.yaml': http('host', 'https://{{p}}.example.com/v1/status'),
        'port.yaml': http('port', 'https://api.example.com:{{p}}/v1'),
        'userinfo.yaml': http('userinfo', 'https://{{p}}@api.example.com/v1'),
        // The host is the runbook's own: a parameter in the path or the query is fine.
        'path.yaml': http('path', 'https://api.example.com/v1/{{p}}?q={{p}}'),
        // A host from env.* is the operator's own.
        'base.yaml': http('base', '{{env.API_TOKEN}}/v1/{{p}}'),
      }),
    );
    expect([...set.runbooks.keys()].sort()).toEqual(['base', 'path']);
    expect(set.problems).toEqual(
      ['host', 'port', 'userinfo', 'whole'].map((f) =>
        expect.stringMatching(new RegExp(`^${f}\\.yaml:8: .*sends env\\.API_TOKEN.*host`)),
      ),
    );
  });

  it('refuses a text body with placeholders and a placeholder in a body key', () => {
    const http = (name: string, body: string) =>
      `name: ${name}\nversion: 1\ndescription: d\nparams:\n  p: { type: string }\nsteps:\n  - http:\n      method: POST\n      url: https://x.test/\n      body: ${body}\n`;
    const set = loadRunbooks(
      dirWith({
        'form.yaml': http('form', "'a={{p}}&b=1'"),
        'spliced.yaml': http('spliced', `'{"n": {{p}}}'`),
        'key.yaml': http('key', "{ '{{p}}': 1 }"),
        'ok.yaml': http('ok', "{ n: '{{p}}' }"),
      }),
    );
    expect([...set.runbooks.keys()]).toEqual(['ok']);
    expect(set.problems).toEqual([
      expect.stringMatching(/^form\.yaml:10: a body with placeholders must be JSON \(or YAML data\)/),
      expect.stringMatching(/^key\.yaml:10: a body key cannot hold a placeholder/),
      expect.stringMatching(/^spliced\.yaml:10: a body with placeholders must be JSON/),
    ]);
  });

  it('treats a missing directory as no runbooks', () => {
    expect(loadRunbooks('/nonexistent/runbooks')).toMatchObject({ problems: [], runbooks: new Map() });
  });

  it('loads the example runbooks shipped in runbooks/', () => {
    const set = loadRunbooks(fileURLToPath(new URL('../../runbooks', import.meta.url)));
    expect(set.problems).toEqual([]);
    expect([...set.runbooks.keys()].sort()).toEqual(['dns-lookup', 'http-probe', 'recent-deploys']);
  });
});

describe('incident-bot doctor', () => {
  it('lists the runbooks and the problems, and exits 1 when there are any', () => {
    const dir = dirWith({ 'settings.yaml': 'runbooks:\n  dir: rb\n' });
    mkdirSync(join(dir, 'rb'));
    writeFileSync(join(dir, 'rb', 'good.yaml'), GOOD);
    writeFileSync(join(dir, 'rb', 'broken.yaml'), 'name: [\n');
    writeFileSync(
      join(dir, 'rb', 'lookaround.yaml'),
      "name: look\nversion: 1\ndescription: d\nparams:\n  host: { type: string, pattern: '(?!-).+' }\nsteps:\n  - slack: { text: '{{host}}' }\n",
    );
    const main = fileURLToPath(new URL('../../src/main.ts', import.meta.url));
    // Slack at a closed local port: the doctor says so at once instead of waiting for the internet.
    const env = {
      PATH: process.env.PATH!,
      SLACK_BOT_TOKEN: 'xoxb-1',
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: 'http://127.0.0.1:9/api/',
      CONFIG_PATH: join(dir, 'settings.yaml'),
      DATABASE_PATH: join(dir, 'none.db'),
    };
    let out = '';
    let code = 0;
    try {
      out = execFileSync(process.execPath, ['--import', 'tsx', main, 'doctor'], { env, encoding: 'utf8' });
    } catch (error) {
      const e = error as { status: number; stdout: string };
      code = e.status;
      out = e.stdout;
    }
    expect(code).toBe(1);
    expect(out.split('\n')).toEqual([
      `✓ configuration (${join(dir, 'settings.yaml')})`,
      '✓ database',
      `    ${join(dir, 'none.db')} does not exist yet; \`incident-bot migrate\` or \`start\` creates it`,
      expect.stringMatching(/^[✓✗] storage$/),
      expect.stringMatching(/^ {4}\d+ MB free on the database's volume/),
      '✗ runbooks',
      expect.stringMatching(/^ {4}good v3 \([0-9a-f]{12}\): Fine\. — steps: exec — allowed: anyone$/),
      expect.stringMatching(/^ {4}problem: broken\.yaml:\d: /),
      expect.stringMatching(
        /^ {4}problem: lookaround\.yaml:5: params\.host\.pattern is refused: invalid or unsupported Perl syntax: `\(\?!`/,
      ),
      '✗ slack',
      expect.stringMatching(/^ {4}auth\.test failed: .* — check that http:\/\/127\.0\.0\.1:9\/api\/ is reachable$/),
      '✓ pagerduty',
      '    not configured',
      '✓ github',
      '    not configured',
      '✓ statuspage',
      '    not configured',
      '✓ alertmanager',
      '    not configured: POST /webhooks/alertmanager is off (404) until ALERTMANAGER_TOKEN is set',
      '',
    ]);
  });
});
