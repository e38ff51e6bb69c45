import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../src/config/config.ts';

const base = { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 's' };
const noFile = (path: string): string => {
  throw Object.assign(new Error(`ENOENT: no such file, open '${path}'`), { code: 'ENOENT' });
};
const problems = (env: Record<string, string>, readFile: (p: string) => string = noFile): string[] => {
  try {
    loadConfig(env, readFile);
  } catch (error) {
    if (error instanceof ConfigError) return error.problems;
    throw error;
  }
  return [];
};

describe('configuration', () => {
  it('applies the operator contract defaults', () => {
    const config = loadConfig(base, noFile);
    expect(config).toMatchObject({
      port: 3000,
      databasePath: './data/incident-bot.db',
      configPath: './incident-bot.yaml',
      publicUrl: 'http://localhost:3000',
      logLevel: 'info',
      slack: { apiUrl: 'https://slack.com/api/' },
      pagerduty: { apiUrl: 'https://api.pagerduty.com', webhookSecrets: [] },
      github: { apiUrl: 'https://api.github.com' },
      settings: {
        timezone: 'UTC',
        default_severity: 'sev3',
        channel_prefix: 'inc',
        outbox: { concurrency: 8, max_attempts: 30 },
      },
    });
  });

  it('paces Slack at its real limits unless SLACK_RATE_SCALE compresses them for a fake Slack', () => {
    expect(loadConfig(base, noFile).slack.rateScale).toBe(1);
    expect(loadConfig({ ...base, SLACK_RATE_SCALE: '60' }, noFile).slack.rateScale).toBe(60);
    expect(problems({ ...base, SLACK_RATE_SCALE: 'fast' })[0]).toMatch(/^SLACK_RATE_SCALE must be a whole number/);
  });

  it('reports every problem at once, naming the variable and what it is for', () => {
    expect(
      problems({ PORT: 'http', PAGERDUTY_TOKEN: 't', GITHUB_REPO: 'not a repo', SLACK_API_URL: 'ftp://x' }),
    ).toEqual([
      'SLACK_API_URL must be an http(s) URL (the Slack Web API base URL)',
      'GITHUB_REPO must be owner/name, e.g. acme/postmortems (the owner/name repository postmortem drafts are pushed to)',
      'PORT must be a port number from 0 to 65535 (the HTTP port the bot listens on)',
      'SLACK_BOT_TOKEN is not set: the Slack bot token (xoxb-…) the bot calls the Web API with',
      'SLACK_SIGNING_SECRET is not set: the Slack signing secret used to verify requests from Slack',
      'PAGERDUTY_FROM is not set but PAGERDUTY_TOKEN is: the email address PagerDuty requires in the From header of writes',
      'GITHUB_TOKEN is not set but GITHUB_REPO is: a GitHub token that can push branches and open pull requests for postmortems',
    ]);
  });

  it('serves /metrics and /readyz on METRICS_PORT only when it is set, and checks it as PORT is checked', () => {
    expect(loadConfig(base, noFile).metricsPort).toBeUndefined();
    expect(loadConfig({ ...base, METRICS_PORT: ' 9102 ' }, noFile).metricsPort).toBe(9102);
    expect(problems({ ...base, METRICS_PORT: 'metrics' })).toEqual([
      'METRICS_PORT must be a port number from 0 to 65535 (a second HTTP port serving /metrics and /readyz (and /healthz), so the public port need not expose them)',
    ]);
    expect(problems({ ...base, METRICS_PORT: '70000' })).toHaveLength(1);
    expect(problems({ ...base, PORT: '8080', METRICS_PORT: '8080' })).toEqual([
      'METRICS_PORT is 8080, the same as PORT: give the metrics listener a port of its own (a second HTTP port serving /metrics and /readyz (and /healthz), so the public port need not expose them)',
    ]);
  });

  it('needs no signing secret in Socket Mode, but a real app token', () => {
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' })).toEqual([]);
    expect(problems({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-oops' })).toEqual([
      expect.stringMatching(/^SLACK_APP_TOKEN must start with xapp- /),
    ]);
  });

  it('splits rotated PagerDuty webhook secrets and parses the GitHub repository', () => {
    const c = loadConfig(
      { ...base, PAGERDUTY_WEBHOOK_SECRETS: ' old , new ,', GITHUB_TOKEN: 'g', GITHUB_REPO: 'acme/pm' },
      noFile,
    );
    expect(c.pagerduty.webhookSecrets).toEqual(['old', 'new']);
    expect(c.github.repo).toEqual({ owner: 'acme', name: 'pm' });
  });

  it('reads the YAML settings file', () => {
    const yaml = 'timezone: Europe/Berlin\ndefault_severity: sev2\noutbox:\n  concurrency: 2\n';
    const c = loadConfig({ ...base, CONFIG_PATH: 'team.yaml' }, () => yaml);
    expect(c.settings).toMatchObject({
      timezone: 'Europe/Berlin',
      default_severity: 'sev2',
      outbox: { concurrency: 2, max_attempts: 30 },
    });
  });

  it('reports bad settings with their line, including typos in key names', () => {
    const yaml = 'timezone: Mars/Olympus\nchannel_prefix: INC!\noutbox:\n  concurrency: 0\ndefault_sevrity: sev1\n';
    expect(problems({ ...base, CONFIG_PATH: 'team.yaml' }, () => yaml)).toEqual([
      'team.yaml:1: timezone is not an IANA time zone (e.g. Europe/Berlin, UTC)',
      'team.yaml:2: channel_prefix must be 1-20 lowercase letters, digits, - or _',
      'team.yaml:4: outbox.concurrency Too small: expected number to be >=1',
      'team.yaml:5: default_sevrity is not a setting',
    ]);
  });

  it('reads the permission table: admins, who may give each role, and reopen defaulting to resolve', () => {
    const yaml =
      'permissions:\n  resolve: [commander]\n  admins: [U0ADMIN01, S0ADMINS]\n  role:\n    commander: [admins]\n';
    const c = loadConfig({ ...base, CONFIG_PATH: 'team.yaml' }, () => yaml);
    expect(c.settings.permissions).toEqual({
      resolve: ['commander'],
      severity: ['anyone'],
      postmortem_force: ['commander', 'declarer', 'admins'],
      page: ['anyone'],
      automations: ['commander', 'declarer', 'admins'],
      admins: ['U0ADMIN01', 'S0ADMINS'],
      role: { commander: ['admins'], comms: ['commander', 'comms', 'admins'] },
    });
    const bad = 'permissions:\n  admins: [commander]\n  role:\n    comms: [nobody]\n';
    expect(problems({ ...base, CONFIG_PATH: 'team.yaml' }, () => bad)).toEqual([
      'team.yaml:2: permissions.admins[0] must be a Slack user id (U…) or a user group id (S…)',
      'team.yaml:4: permissions.role.comms[0] must be anyone, commander, comms, declarer, admins, a Slack user id (U…) or a user group id (S…)',
    ]);
  });

  it('reads the comms schedules per PagerDuty service, naming a bad or unknown key with its path', () => {
    const yaml =
      'comms:\n  pagerduty_schedule: PDEF001\n  schedules:\n    PSVC001: PSCHED2\n  shift_check_minutes: 10\n';
    const c = loadConfig({ ...base, CONFIG_PATH: 'team.yaml' }, () => yaml);
    expect(c.settings.comms).toEqual({
      rotation: [],
      pagerduty_schedule: 'PDEF001',
      schedules: { PSVC001: 'PSCHED2' },
      shift_check_minutes: 10,
      stakeholders: [],
    });
    const bad =
      'comms:\n  schedules:\n    PSVC001: not-a-schedule\n    checkout: PSCHED3\n' +
      '  schedule: PSCHED1\n  stakeholders: [bob]\n';
    expect(problems({ ...base, CONFIG_PATH: 'team.yaml' }, () => bad)).toEqual([
      'team.yaml:3: comms.schedules.PSVC001 must be a PagerDuty schedule id like PABC123',
      'team.yaml:4: comms.schedules.checkout must be a PagerDuty service id like PSVC123',
      'team.yaml:6: comms.stakeholders[0] must be a Slack user (U…), user group (S…) or channel (C…) id',
      'team.yaml:5: comms.schedule is not a setting',
    ]);
  });

  it('reports YAML that does not parse, with its line', () => {
    expect(problems({ ...base, CONFIG_PATH: 'team.yaml' }, () => 'timezone: UTC\noutbox: [unclosed\n')).toEqual([
      expect.stringMatching(/^team\.yaml:\d+: /),
    ]);
  });

  it('needs a settings file the operator named, but not the default one', () => {
    expect(problems(base)).toEqual([]);
    expect(problems({ ...base, CONFIG_PATH: '/nope/team.yaml' })).toEqual([
      expect.stringMatching(/^CONFIG_PATH \/nope\/team\.yaml cannot be read/),
    ]);
  });
});

describe('a team report template', () => {
  const files = (map: Record<string, string>) => (path: string) => map[path] ?? noFile(path);

  it('is found beside the settings file', () => {
    const config = loadConfig(
      { ...base, CONFIG_PATH: '/etc/bot/team.yaml' },
      files({
        '/etc/bot/team.yaml': 'postmortem:\n  template: reports/ours.md.hbs\n',
        '/etc/bot/reports/ours.md.hbs': '# {{md incident.title}}\n',
      }),
    );
    expect(config.settings.postmortem.template).toBe('/etc/bot/reports/ours.md.hbs');
  });

  it('stops start when it is missing or does not parse, naming the file', () => {
    expect(
      problems(
        { ...base, CONFIG_PATH: '/etc/bot/team.yaml' },
        files({ '/etc/bot/team.yaml': 'postmortem:\n  template: gone.hbs\n' }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^\/etc\/bot\/team\.yaml: postmortem\.template \/etc\/bot\/gone\.hbs cannot be read \(ENOENT/,
      ),
    ]);
    expect(
      problems(
        { ...base, CONFIG_PATH: '/etc/bot/team.yaml' },
        files({
          '/etc/bot/team.yaml': 'postmortem:\n  template: bad.hbs\n',
          '/etc/bot/bad.hbs': '{{#each timeline}} unclosed',
        }),
      ),
    ).toEqual([
      expect.stringMatching(
        /^\/etc\/bot\/team\.yaml: postmortem\.template \/etc\/bot\/bad\.hbs is not a valid Handlebars template: /,
      ),
    ]);
  });
});

describe('the example settings file', () => {
  it('is valid, so what the README points at works as written', async () => {
    const { readFileSync } = await import('node:fs');
    const { parseSettings } = await import('../src/config/settings.ts');
    const path = new URL('../incident-bot.example.yaml', import.meta.url);
    expect(parseSettings(readFileSync(path, 'utf8'), 'incident-bot.example.yaml').problems).toEqual([]);
  });
});

describe('postmortem.remind_open_pr_days', () => {
  it('takes whole days from 1 to 365, and is off when unset', async () => {
    const { parseSettings } = await import('../src/config/settings.ts');
    const days = (yaml: string) => parseSettings(yaml, 's.yaml');
    expect(days('postmortem:\n  remind_open_pr_days: 3\n').settings?.postmortem.remind_open_pr_days).toBe(3);
    expect(days('postmortem:\n  on_resolve: true\n').settings?.postmortem.remind_open_pr_days).toBeUndefined();
    for (const bad of ['0', '366', '1.5', 'soon'])
      expect(days(`postmortem:\n  remind_open_pr_days: ${bad}\n`).problems).toEqual([
        expect.stringContaining('postmortem.remind_open_pr_days'),
      ]);
  });
});
