import { afterAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { FakeStatuspage } from '../../src/sandbox/fake-statuspage/server.ts';
import { Outage } from '../../src/sandbox/outage.ts';
import { ALICE, BOB, PD_ALICE, declared, eventually, useBot, type Harness } from '../helpers/test-bot.ts';

/**
 * A vendor that takes a call and never answers must not hold the delivery: the call is given up at
 * `outbox.timeout_seconds` and the row retried, while the vendor is still holding the first call.
 * The fakes hold hung calls for ten minutes here, far beyond any test, so a client without a
 * working timeout would wait the whole outage out (and this test would time out).
 */
const HOLD_MS = 10 * 60_000;
const SETTINGS = `comms:\n  rotation: [${BOB.id}]\ncomponents:\n  - { id: api, name: API, statuspage_id: sp-api }\noutbox:\n  timeout_seconds: 0.5\n`;

const gh = new FakeGitHub();
const sp = new FakeStatuspage();

/** Attempts of the incident's rows of this kind that ended (the timeout ended them) while the vendor still hangs. */
const attempts = (h: Harness, kind: string) =>
  h.bot.app.db.prepare('SELECT max(attempts) FROM outbox WHERE kind = ?').pluck().get(kind) as number | null;

describe('a vendor that hangs is given up at the timeout and retried', () => {
  const h = useBot({
    pagerduty: true,
    settings: SETTINGS,
    get env() {
      return {
        GITHUB_TOKEN: gh.token,
        GITHUB_REPO: `${gh.owner}/${gh.repo}`,
        GITHUB_API_URL: gh.url,
        STATUSPAGE_API_KEY: sp.apiKey,
        STATUSPAGE_PAGE_ID: sp.pageId,
        STATUSPAGE_API_URL: sp.url,
      };
    },
  } as Parameters<typeof useBot>[0]);
  const started = Promise.all([gh.start(), sp.start()]);
  afterAll(() => Promise.all([gh.stop(), sp.stop()]));

  it('GitHub: the report is retried while GitHub still holds the first call', async () => {
    await started;
    const { channel } = await declared(h, 'Checkout down sev2');
    gh.outage = new Outage('hang', HOLD_MS);
    try {
      await h.bot.command('resolve fixed', { channel, user: ALICE.id });
      await eventually(() => (attempts(h, 'postmortem.publish') ?? 0) >= 2, 20_000, 'two timed-out attempts');
      expect(gh.outage.counts.hang).toBeGreaterThanOrEqual(2);
    } finally {
      gh.outage = undefined;
    }
  });

  it('Statuspage: the public update is retried while Statuspage still holds the first call', async () => {
    const { channel } = await declared(h, 'API errors sev2');
    sp.outage = new Outage('hang', HOLD_MS);
    try {
      await h.bot.command('update identified Bad deploy --public', { channel, user: ALICE.id });
      await eventually(() => (attempts(h, 'statuspage.sync') ?? 0) >= 2, 20_000, 'two timed-out attempts');
    } finally {
      sp.outage = undefined;
    }
  });

  it('PagerDuty: the people lookup is retried while PagerDuty still holds the first call', async () => {
    h.pd.outage = new Outage('hang', HOLD_MS);
    try {
      await h.pd.trigger(h.pd.createIncident({ title: 'Disk full', assignees: [PD_ALICE] }));
      await eventually(() => (attempts(h, 'people.resolve') ?? 0) >= 2, 20_000, 'two timed-out attempts');
    } finally {
      h.pd.outage = undefined;
    }
  });

  it('Slack: a message is retried while Slack still holds the first call', async () => {
    const { channel } = await declared(h, 'Queue backlog sev3');
    h.slack.outage = new Outage('hang', HOLD_MS);
    try {
      await h.bot.command('note looked at the queue', { channel, user: ALICE.id });
      await h.bot.command('update investigating Looking', { channel, user: ALICE.id });
      await eventually(() => (attempts(h, 'channel.notice') ?? 0) >= 2, 20_000, 'two timed-out attempts');
    } finally {
      h.slack.outage = undefined;
    }
  });
});
