import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
beforeAll(() => Promise.all([gh.start(), sp.start()]));
afterAll(() => Promise.all([gh.stop(), sp.stop()]));

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

  it('GitHub: the report is retried while GitHub still holds the first call', async () => {
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

describe('a vendor that hangs does not take every delivery slot', () => {
  // A long timeout: the hung calls hold their slots for the whole test unless something keeps slots free.
  const h = useBot({
    pagerduty: true,
    settings: `comms:\n  rotation: [${BOB.id}]\noutbox:\n  timeout_seconds: 60\n  concurrency: 4\n`,
  });

  it('pages keep opening their rooms while more lookups than slots wait for a hung PagerDuty', async () => {
    h.pd.outage = new Outage('hang', HOLD_MS);
    try {
      // Each page's lookup is its own delivery (different people, so none shares another's call).
      const pages = Array.from({ length: 6 }, (_, i) =>
        h.pd.createIncident({ title: `Page ${i}`, assignees: [{ id: `PUSER0${i}`, name: `User ${i}` }] }),
      );
      for (const page of pages) await h.pd.trigger(page);
      await eventually(
        () => {
          const open = h.bot.app.db
            .prepare('SELECT count(*) FROM incidents WHERE summary_ts IS NOT NULL')
            .pluck()
            .get() as number;
          return open === pages.length;
        },
        15_000,
        'every room open while PagerDuty hangs',
      );
      expect(h.pd.outage.counts.hang).toBeGreaterThan(0);
    } finally {
      h.pd.outage = undefined;
    }
  });
});

describe('a hung GitHub does not take every delivery slot', () => {
  const h = useBot({
    settings: `comms:\n  rotation: [${BOB.id}]\noutbox:\n  timeout_seconds: 60\n  concurrency: 4\n`,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);

  it('updates keep reaching their rooms while more reports than slots wait for a hung GitHub', async () => {
    const rooms = [];
    for (let i = 0; i < 5; i++) rooms.push((await declared(h, `Outage ${i} sev3`)).channel);
    const { channel } = await declared(h, 'Still open sev2');
    gh.outage = new Outage('hang', HOLD_MS);
    try {
      for (const room of rooms) await h.bot.command('resolve fixed', { channel: room, user: ALICE.id });
      await eventually(() => gh.outage!.counts.hang >= 1, 10_000, 'a report held by GitHub');
      await h.bot.command('update identified The cache is cold', { channel, user: ALICE.id });
      await eventually(
        () => h.slack.ws.channelMessages(channel).some((m) => m.text.includes('The cache is cold')),
        15_000,
        'the update in its room while GitHub hangs',
      );
    } finally {
      gh.outage = undefined;
    }
  });
});
