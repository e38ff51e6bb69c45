import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { FakeStatuspage } from '../../src/sandbox/fake-statuspage/server.ts';
import { ALICE, BOB, PD_ALICE, declared, eventually, useBot, type Harness } from '../helpers/test-bot.ts';

/**
 * A failed delivery says which integration failed and how, by a stable code at the front of the
 * outbox row's last_error (and so in /readyz and the logs): `<integration>_http_<status>: …`.
 */
const rows = (h: Harness, incidentId: number, kind: string) =>
  h.bot.app.outbox.forIncident(incidentId).filter((r) => r.kind === kind);
const lastError = (h: Harness, incidentId: number, kind: string) =>
  eventually(() => rows(h, incidentId, kind).find((r) => r.last_error)?.last_error, 10_000, `a last_error on ${kind}`);

describe('PagerDuty errors', () => {
  const h = useBot({ pagerduty: true });

  const pagedIncident = async () => {
    const page = h.pd.createIncident({ title: 'Disk full', assignees: [PD_ALICE] });
    await h.pd.trigger(page);
    const incident = await eventually(() => {
      const row = h.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(page.id) as
        { incident_id: number } | undefined;
      const i = row && h.bot.app.incidents.get(row.incident_id);
      return i?.channelId ? i : undefined;
    });
    return { page, incident };
  };

  it('a 500 writing the status back is kept as pagerduty_http_500 and retried', async () => {
    const { page, incident } = await pagedIncident();
    h.pd.inject({ status: 500 }, { status: 500 }, { status: 500 });
    await h.bot.command('resolve', { user: ALICE.id, channel: incident.channelId! });
    expect(await lastError(h, incident.id, 'external.set_status')).toMatch(
      /^pagerduty_http_500: PagerDuty PUT \/incidents\/\w+ answered 500/,
    );
    expect(rows(h, incident.id, 'external.set_status')[0]!.state).toBe('pending');
    await eventually(() => h.pd.incidents.get(page.id)!.status === 'resolved', 15_000);
  });

  it('a 400 is given up on at once, as pagerduty_http_400', async () => {
    const { incident } = await pagedIncident();
    h.pd.inject({ status: 400, message: 'Invalid Input Provided' });
    await h.bot.command('resolve', { user: ALICE.id, channel: incident.channelId! });
    expect(await lastError(h, incident.id, 'external.set_status')).toMatch(/^pagerduty_http_400: /);
    expect(rows(h, incident.id, 'external.set_status')[0]!.state).toBe('dead');
  });
});

describe('GitHub errors', () => {
  const gh = new FakeGitHub();
  beforeAll(async () => {
    await gh.start();
  });
  afterAll(() => gh.stop());
  const h = useBot({
    settings: `comms:\n  rotation: [${BOB.id}]\n`,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('a 502 creating the branch is kept as github_http_502 and retried', async () => {
    for (let i = 0; i < 3; i++) gh.inject('POST /git/refs', 502, 'Bad Gateway');
    const { incident, channel } = await declared(h, 'Flaky GitHub sev3');
    await h.bot.command('resolve done', { channel });
    expect(await lastError(h, incident.id, 'postmortem.publish')).toMatch(/^github_http_502: /);
    await eventually(() => rows(h, incident.id, 'postmortem.publish')[0]!.state === 'delivered', 15_000);
  });

  it('a 422 keeps the draft, and the row says github_http_422', async () => {
    gh.inject('POST /git/refs', 422, 'Validation Failed');
    const { incident, channel } = await declared(h, 'Refused by GitHub sev3');
    await h.bot.command('resolve done', { channel });
    const row = await eventually(() => rows(h, incident.id, 'postmortem.publish').find((r) => r.state === 'delivered'));
    expect(JSON.parse(row.result!)).toMatchObject({
      github_error: expect.stringMatching(/^github_http_422: Validation Failed/),
    });
  });
});

describe('Statuspage errors', () => {
  const sp = new FakeStatuspage();
  beforeAll(async () => {
    await sp.start();
  });
  afterAll(() => sp.stop());
  const h = useBot({
    get env() {
      return { STATUSPAGE_API_KEY: sp.apiKey, STATUSPAGE_PAGE_ID: sp.pageId, STATUSPAGE_API_URL: sp.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('a 500 mirroring a public update is kept as statuspage_http_500 and retried', async () => {
    sp.faults.push(500, 500, 500);
    const { incident, channel } = await declared(h, 'Mirror me sev2');
    await h.bot.command('update investigating Looking into it --public', { channel, user: ALICE.id });
    expect(await lastError(h, incident.id, 'statuspage.sync')).toMatch(
      /^statuspage_http_500: Statuspage POST \/incidents answered 500/,
    );
    await eventually(() => rows(h, incident.id, 'statuspage.sync')[0]!.state === 'delivered', 15_000);
  });
});
