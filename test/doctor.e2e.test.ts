import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { doctor } from '../src/cli/doctor.ts';
import { FakeGitHub } from '../src/sandbox/fake-github/server.ts';
import { FakePagerDuty } from '../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../src/sandbox/fake-slack/server.ts';
import { FakeStatuspage } from '../src/sandbox/fake-statuspage/server.ts';
import { ALICE, tempDir } from './helpers/test-bot.ts';
import { join } from 'node:path';

describe('incident-bot doctor, against each integration', () => {
  const slack = new FakeSlack({ users: [ALICE] });
  const pd = new FakePagerDuty({ users: [] });
  const gh = new FakeGitHub();
  const sp = new FakeStatuspage();
  const tmp = tempDir();
  let env: Record<string, string>;
  beforeAll(async () => {
    await Promise.all([slack.start(), pd.start(), gh.start(), sp.start()]);
    env = {
      SLACK_BOT_TOKEN: slack.token,
      SLACK_SIGNING_SECRET: 's',
      SLACK_API_URL: slack.url,
      PAGERDUTY_TOKEN: pd.token,
      PAGERDUTY_FROM: 'bot@example.com',
      PAGERDUTY_API_URL: pd.url,
      PAGERDUTY_WEBHOOK_SECRETS: 'x',
      GITHUB_TOKEN: gh.token,
      GITHUB_REPO: `${gh.owner}/${gh.repo}`,
      GITHUB_API_URL: gh.url,
      STATUSPAGE_API_KEY: sp.apiKey,
      STATUSPAGE_PAGE_ID: sp.pageId,
      STATUSPAGE_API_URL: sp.url,
      DATABASE_PATH: join(tmp.dir, 'none.db'),
      CONFIG_PATH: join(tmp.dir, 'absent.yaml'),
    };
  });
  afterAll(async () => {
    await Promise.all([slack.stop(), pd.stop(), gh.stop(), sp.stop()]);
    tmp.cleanup();
  });
  const MB = 1024 * 1024;
  const run = async (extra: Record<string, string> = {}, freeBytes = 50_000 * MB) => {
    const lines: string[] = [];
    const code = await doctor({ ...env, ...extra }, (l) => lines.push(l), { freeSpace: () => () => freeBytes });
    return { code, lines };
  };

  it('reports every integration working', async () => {
    const { code, lines } = await run({ CONFIG_PATH: '' });
    expect(lines.filter((l) => /^[✓✗]/.test(l))).toEqual([
      '✓ configuration (./incident-bot.yaml)',
      '✓ database',
      '✓ storage',
      '✓ runbooks',
      '✓ slack',
      '✓ pagerduty',
      '✓ github',
      '✓ statuspage',
      '✓ alertmanager',
    ]);
    expect(lines).toContain("    50000 MB free on the database's volume (warning below 200 MB)");
    expect(lines).toContain('    auth.test: workspace Fake Team, bot user incident-bot (U0BOT0001)');
    expect(lines).toContain('    token works (2 abilities); 1 webhook secret(s) set');
    expect(lines).toContain('    acme/postmortems: push allowed, default branch main');
    expect(lines).toContain(`    page ${sp.pageId} (Acme (fake))`);
    expect(code).toBe(0);
  });

  it('says whether the Alertmanager endpoint is on, and refuses a token too short to be a secret', async () => {
    const off = await run({ CONFIG_PATH: '' });
    expect(off.lines[off.lines.indexOf('✓ alertmanager') + 1]).toBe(
      '    not configured: POST /webhooks/alertmanager is off (404) until ALERTMANAGER_TOKEN is set',
    );
    const token = 'am-token-0123456789abcdef';
    const on = await run({ CONFIG_PATH: '', ALERTMANAGER_TOKEN: token, PUBLIC_URL: 'https://bot.example.com' });
    expect(on.code).toBe(0);
    expect(on.lines[on.lines.indexOf('✓ alertmanager') + 1]).toContain(
      'ALERTMANAGER_TOKEN is set: POST https://bot.example.com/webhooks/alertmanager takes notifications',
    );
    expect(on.lines.join('\n')).not.toContain(token);
    const short = await run({ CONFIG_PATH: '', ALERTMANAGER_TOKEN: 'short' });
    expect(short.code).toBe(1);
    expect(short.lines).toContain(
      `    ALERTMANAGER_TOKEN must be at least 16 characters (the bearer token (at least 16 characters) Prometheus Alertmanager sends to POST /webhooks/alertmanager; unset, that endpoint is off)`,
    );
  });

  it('reports a nearly full database volume as a problem, and exits 1', async () => {
    const { code, lines } = await run({ CONFIG_PATH: '' }, 2 * MB);
    expect(lines).toContain('✗ storage');
    expect(lines.find((l) => l.includes("MB free on the database's volume"))).toMatch(
      /^ {4}2 MB free on the database's volume, below storage.min_free_mb \(200\): free space/,
    );
    expect(code).toBe(1);
  });

  it('says what is wrong with each credential and how to fix it, and exits 1', async () => {
    gh.canPush = false;
    try {
      const { code, lines } = await run({
        CONFIG_PATH: '',
        SLACK_BOT_TOKEN: 'xoxb-wrong',
        PAGERDUTY_TOKEN: 'wrong',
        STATUSPAGE_PAGE_ID: 'pnope',
      });
      expect(code).toBe(1);
      const after = (check: string) => lines[lines.indexOf(`✗ ${check}`) + 1];
      expect(after('slack')).toBe(
        '    auth.test failed: invalid_auth — SLACK_BOT_TOKEN is wrong or revoked; copy the Bot User OAuth Token (xoxb-…) from the app settings',
      );
      expect(after('pagerduty')).toMatch(
        /^ {4}GET \/abilities failed: PagerDuty GET \/abilities answered 401: .* — PagerDuty refused the API token \(401\): PAGERDUTY_TOKEN is wrong or revoked; set a valid REST API key/,
      );
      expect(after('github')).toBe(
        '    acme/postmortems: the token cannot push to acme/postmortems — give the token Contents, Pull requests and Issues: read and write',
      );
      expect(after('statuspage')).toBe('    GET /pages/pnope answered 404 — STATUSPAGE_PAGE_ID is wrong');
    } finally {
      gh.canPush = true;
    }
  });

  it('a PagerDuty token that was revoked (401) or may not act (403): what to fix, and never the token', async () => {
    pd.revokeToken();
    try {
      const { code, lines } = await run({ CONFIG_PATH: '' });
      expect(code).toBe(1);
      expect(lines[lines.indexOf('✗ pagerduty') + 1]).toMatch(
        / — PagerDuty refused the API token \(401\): PAGERDUTY_TOKEN is wrong or revoked; set a valid REST API key \(not read-only, from Integrations → API Access Keys\) and restart$/,
      );
      expect(lines.join('\n')).not.toContain(env.PAGERDUTY_TOKEN);
    } finally {
      pd.reinstateToken();
    }
    pd.inject({ status: 403 });
    const { code, lines } = await run({ CONFIG_PATH: '' });
    expect(code).toBe(1);
    expect(lines[lines.indexOf('✗ pagerduty') + 1]).toMatch(
      / — PagerDuty refused the API token \(403\): the key may not do this; set PAGERDUTY_TOKEN to a REST API key that is not read-only, and PAGERDUTY_FROM to a user who may act on incidents$/,
    );
    expect(lines.join('\n')).not.toContain(env.PAGERDUTY_TOKEN);
  });
});
