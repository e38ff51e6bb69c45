import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { FakePagerDuty, type FakePdUser } from '../../src/sandbox/fake-pagerduty/server.ts';
import type { FakePdIncident } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { FakeStatuspage } from '../../src/sandbox/fake-statuspage/server.ts';
import { Outage, type OutageMode } from '../../src/sandbox/outage.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  PD_CAROL,
  WEBHOOK_SECRET,
  eventually,
  pagerDutyEnv,
  startTestBot,
  tempDir,
  type TestBot,
} from '../helpers/test-bot.ts';
import { printTable } from './seeded.ts';

/**
 * The vendor outage suite (issue 18): each vendor in turn answers nothing but 503s and hangs (past
 * the bot's 1 s timeout here) for a window in the middle of a run of mixed events, then recovers.
 * During the window, what does not need that vendor must keep working; at the end every effect is
 * delivered once, in order per incident. The figures go to the console as Markdown tables (they are
 * copied into docs/reliability.md).
 */

type Vendor = 'Slack' | 'PagerDuty' | 'GitHub' | 'Statuspage';
const MODE: OutageMode = 'mixed';
/** The outage lasts at least this long, and until what must keep working has been seen to. */
const MIN_WINDOW_MS = 3000;
const SETTINGS = `comms:
  rotation: [${BOB.id}, ${CAROL.id}]
components:
  - { id: api, name: API, statuspage_id: sp-api }
outbox:
  timeout_seconds: 1
`;

interface World {
  slack: FakeSlack;
  pd: FakePagerDuty;
  gh: FakeGitHub;
  sp: FakeStatuspage;
  bot: TestBot;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The incident a page opened, once it has one. */
const incidentOfPage = (w: World, page: FakePdIncident) => {
  const row = w.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(page.id) as
    { incident_id: number } | undefined;
  return row && w.bot.app.incidents.get(row.incident_id);
};
/** Whether the incident's room is open: its channel exists and the summary is pinned in it. */
const roomOpen = (w: World, id: number | undefined) => {
  const i = id === undefined ? undefined : w.bot.app.incidents.get(id);
  return Boolean(i?.summaryTs && w.slack.ws.message(i.channelId!, i.summaryTs)?.pinned);
};
const texts = (w: World, id: number) => {
  const channel = w.bot.app.incidents.get(id)?.channelId;
  return channel ? w.slack.ws.channelMessages(channel).map((m) => m.text) : [];
};

async function startWorld(dir: string): Promise<World> {
  const users: FakePdUser[] = [PD_ALICE, PD_BOB, PD_CAROL];
  const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
  const pd = await new FakePagerDuty({ users }).start();
  const gh = await new FakeGitHub().start();
  const sp = await new FakeStatuspage().start();
  writeFileSync(join(dir, 'settings.yaml'), SETTINGS);
  const bot = await startTestBot(slack, join(dir, 'bot.db'), {
    env: {
      ...pagerDutyEnv(pd),
      CONFIG_PATH: join(dir, 'settings.yaml'),
      GITHUB_TOKEN: gh.token,
      GITHUB_REPO: `${gh.owner}/${gh.repo}`,
      GITHUB_API_URL: gh.url,
      STATUSPAGE_API_KEY: sp.apiKey,
      STATUSPAGE_PAGE_ID: sp.pageId,
      STATUSPAGE_API_URL: sp.url,
    },
    // Retries come quickly (a test cannot wait minutes) but not so quickly that a window of a few
    // seconds uses up the default 30 attempts: the same rows would survive hours of real backoff.
    worker: { backoffBaseMs: 50, backoffMaxMs: 1000 },
  });
  pd.subscribe(`${bot.app.url}/webhooks/pagerduty`, [WEBHOOK_SECRET]);
  return { slack, pd, gh, sp, bot };
}

/** Ends every fake's outage and stops everything. */
async function stopWorld(w: World): Promise<void> {
  for (const fake of [w.slack, w.pd, w.gh, w.sp]) fake.outage = undefined;
  await w.bot.app.stop(0);
  await Promise.all([w.slack.stop(), w.pd.stop(), w.gh.stop(), w.sp.stop()]);
}

/** Which fake is which vendor, and the calls it has answered with an outage. */
const fakeOf = (w: World, vendor: Vendor) =>
  ({ Slack: w.slack, PagerDuty: w.pd, GitHub: w.gh, Statuspage: w.sp })[vendor];

interface RunResult {
  vendor: Vendor;
  windowMs: number;
  events: number;
  refused: number;
  kept: string[];
  waited: string[];
  told: string[];
  effects: { effect: string; expected: number; delivered: number; lost: number; duplicated: number }[];
  outOfOrder: string[];
  dead: number;
}

async function run(vendor: Vendor): Promise<RunResult> {
  const tmp = tempDir();
  const w = await startWorld(tmp.dir);
  let events = 0;
  try {
    const webhook = async (body: object) => {
      events++;
      // PagerDuty redelivers until it gets a 2xx.
      for (let i = 0; ; i++) {
        const res = await w.pd.send(body);
        if (res.status === 202 || res.status === 200) return;
        if (i > 20) throw new Error(`webhook refused: ${res.status}`);
        await sleep(50);
      }
    };
    const page = async (title: string, assignee: FakePdUser) => {
      const p = w.pd.createIncident({ title, assignees: [assignee] });
      await webhook(webhookBody('incident.triggered', incidentData(p), { id: `T-${p.id}` }));
      return p;
    };
    const command = async (text: string, opts: { incident?: number; user?: string } = {}) => {
      events++;
      const channel = opts.incident === undefined ? 'C0GENERAL' : w.bot.app.incidents.get(opts.incident)!.channelId!;
      const res = await w.bot.command(text, { channel, user: opts.user ?? ALICE.id });
      expect(res.status).toBe(200);
      const reply = typeof res.body === 'string' ? res.body : (res.body.text ?? '');
      expect(reply).not.toMatch(/went wrong|error/i);
      return reply;
    };
    const declare = async (title: string) => Number(/#(\d+)/.exec(await command(`declare ${title} sev2`))![1]);
    const drained = () =>
      eventually(
        () =>
          (w.bot.app.db
            .prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND kind <> 'channel.archive'")
            .pluck()
            .get() as number) === 0 && w.bot.app.worker.inFlightCount === 0,
        60_000,
        'the outbox to drain',
      );

    // Before: two declared incidents and a page, each with its room and its people.
    const d1 = await declare('Checkout latency');
    const d2 = await declare('Search index stale');
    const p1 = await page('Payment errors above 5%', PD_ALICE);
    await drained();
    const p1Id = incidentOfPage(w, p1)!.id;

    // The window: the vendor is down while events keep coming.
    const fake = fakeOf(w, vendor);
    fake.outage = new Outage(MODE);
    const windowStarted = Date.now();
    const p2 = await page('Queue backlog growing', PD_BOB);
    const d3 = await declare('Login page slow');
    await command('note checked the dashboards', { incident: d1 });
    await command('update identified A bad deploy of the API --public --components api:degraded_performance', {
      incident: d1,
    });
    await command('followup add an alert on checkout latency', { incident: d1 });
    await command('ack', { incident: p1Id });
    await command('update investigating Looking at the payment provider', { incident: p1Id });
    await command('followup rebuild the index nightly', { incident: d2 });
    await command('resolve the index was rebuilt', { incident: d2 });

    // What must keep working while this vendor is down (nothing here needs it).
    const publicBody = 'A bad deploy of the API';
    const probes: { what: string; needs: Vendor[]; done: () => boolean | Promise<boolean> }[] = [
      { what: 'a page opens its room', needs: ['Slack'], done: () => roomOpen(w, incidentOfPage(w, p2)?.id) },
      { what: 'a declaration opens its room', needs: ['Slack'], done: () => roomOpen(w, d3) },
      {
        what: 'updates reach the room',
        needs: ['Slack'],
        done: () => texts(w, p1Id).some((t) => t.includes('Looking at the payment provider')),
      },
      {
        what: 'the built-in status page publishes',
        needs: [],
        done: async () =>
          JSON.stringify(await (await fetch(`${w.bot.app.url}/api/v2/incidents.json`)).json()).includes(publicBody),
      },
      {
        what: 'Statuspage gets the public update',
        needs: ['Statuspage'],
        done: () => [...w.sp.incidents.values()].some((i) => JSON.stringify(i).includes(publicBody)),
      },
      {
        what: 'the report reaches GitHub',
        needs: ['GitHub'],
        done: () => w.gh.pulls.some((p) => p.head.endsWith(`-${d2}`) || p.title.includes('Search index stale')),
      },
      {
        what: 'follow-ups reach GitHub',
        needs: ['GitHub'],
        done: () => w.gh.issues.some((i) => i.title.includes('rebuild the index nightly')),
      },
      {
        what: 'acknowledgements reach PagerDuty',
        needs: ['PagerDuty'],
        done: () => w.pd.incidents.get(p1.id)?.status === 'acknowledged',
      },
    ];
    const kept = probes.filter((p) => !p.needs.includes(vendor));
    const pending = new Set(kept);
    await eventually(
      () => {
        void Promise.all([...pending].map(async (p) => (await p.done()) && pending.delete(p)));
        return pending.size === 0 && Date.now() - windowStarted >= MIN_WINDOW_MS;
      },
      30_000,
      `what does not need ${vendor} to work while it is down`,
    ).catch((error: Error) => {
      throw new Error(`${error.message}: still waiting for ${[...pending].map((p) => p.what).join('; ')}`);
    });
    // What needs the vendor has waited: none of it got through the outage.
    const waiting = probes.filter((p) => p.needs.includes(vendor));
    for (const p of waiting) expect(await p.done(), `${p.what} while ${vendor} is down`).toBe(false);
    const refused = fake.outage.counts.unavailable + fake.outage.counts.hang;
    fake.outage = undefined;
    const windowMs = Date.now() - windowStarted;

    // After: the vendor is back; the rest of the run.
    await eventually(() => roomOpen(w, d3) && roomOpen(w, incidentOfPage(w, p2)?.id), 30_000, 'every room');
    const p2Id = incidentOfPage(w, p2)!.id;
    await command('note rolled back the deploy', { incident: d1 });
    await command('resolve rolled back', { incident: d1 });
    await command('postmortem', { incident: d3 });
    await command('resolve the cache was warmed', { incident: d3 });
    await command('resolve queue drained', { incident: p2Id, user: BOB.id });
    await webhook(
      webhookBody('incident.resolved', incidentData({ ...p1, status: 'resolved' }), {
        id: `R-${p1.id}`,
        agent: PD_ALICE,
      }),
    );
    await drained();
    for (const p of waiting) expect(await p.done(), `${p.what} once ${vendor} is back`).toBe(true);

    return { vendor, windowMs, events, refused, ...account(w, vendor, kept, waiting, [d1, d2, d3, p1Id, p2Id]) };
  } finally {
    await stopWorld(w);
    tmp.cleanup();
  }
}

/** Counts what each fake recorded against what the bot set out to do. */
function account(
  w: World,
  vendor: Vendor,
  kept: { what: string }[],
  waited: { what: string }[],
  ids: number[],
): Omit<RunResult, 'vendor' | 'windowMs' | 'events' | 'refused'> {
  const db = w.bot.app.db;
  const count = (list: (string | undefined)[], expected: string[]) => {
    const seen = new Map<string, number>();
    for (const k of list) if (k !== undefined) seen.set(k, (seen.get(k) ?? 0) + 1);
    return {
      expected: expected.length,
      delivered: expected.filter((k) => seen.has(k)).length,
      lost: expected.filter((k) => !seen.has(k)).length,
      duplicated:
        [...seen.values()].reduce((a, n) => a + n - 1, 0) +
        [...seen.keys()].filter((k) => !expected.includes(k)).length,
    };
  };
  const rows = db
    .prepare(
      `SELECT id, kind, ordering_key AS orderingKey, idempotency_key AS key, incident_id AS incidentId, state
       FROM outbox WHERE kind <> 'channel.archive' ORDER BY id`,
    )
    .all() as { id: number; kind: string; orderingKey: string; key: string; incidentId: number; state: string }[];
  const dead = rows.filter((r) => r.state !== 'delivered').length;
  const keyOf = (m: { metadata?: unknown }) =>
    (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
  // The comms lead's duties are posted once per room and then edited in place, so they are counted per room.
  const dutiesKeys = new Set(rows.filter((r) => r.kind === 'channel.duties').map((r) => r.key));
  const botMessages = w.slack.ws.messages.filter((m) => m.user === w.slack.ws.bot.id);
  const messages = botMessages.filter((m) => !dutiesKeys.has(keyOf(m) ?? ''));
  const duties = botMessages.filter((m) => dutiesKeys.has(keyOf(m) ?? ''));
  const posted = rows.filter((r) => ['channel.notice', 'channel.post_summary'].includes(r.kind));
  const staffed = ids.map((id) => w.bot.app.incidents.get(id)!).filter((i) => i.dutiesTs);
  const botChannels = [...w.slack.ws.channels.values()].filter((c) => c.creator === w.slack.ws.bot.id);
  const publicUpdates = db
    .prepare('SELECT incident_id AS incidentId, body FROM incident_updates WHERE public = 1 ORDER BY id')
    .all() as { incidentId: number; body: string }[];
  const spUpdates = [...w.sp.incidents.values()].flatMap((i) =>
    (i.incident_updates as { body: string }[]).map((u) => `${String(i.name)}: ${u.body}`),
  );
  const followups = db.prepare('SELECT id, incident_id AS incidentId FROM followups').all() as {
    id: number;
    incidentId: number;
  }[];
  const writeBacks = rows.filter((r) => r.kind === 'external.set_status');
  const effects = [
    {
      effect: 'Slack channels',
      ...count(
        botChannels.map((c) => c.name),
        ids.map((id) => w.bot.app.incidents.get(id)!.channelName!),
      ),
    },
    {
      effect: 'Slack messages (summaries, notices)',
      ...count(
        messages.map(keyOf),
        posted.map((r) => r.key),
      ),
    },
    {
      effect: "Slack comms lead's duties (one per room, edited in place)",
      ...count(
        duties.map((m) => m.channel),
        staffed.map((i) => i.channelId!),
      ),
    },
    {
      effect: 'Slack pins',
      ...count(
        w.slack.succeeded('pins.add').map((c) => `${String(c.args.channel)}/${String(c.args.timestamp)}`),
        [
          ...ids.map((id) => `${w.bot.app.incidents.get(id)!.channelId}/${w.bot.app.incidents.get(id)!.summaryTs}`),
          ...staffed.map((i) => `${i.channelId}/${i.dutiesTs}`),
        ],
      ),
    },
    {
      effect: 'PagerDuty status write-backs',
      ...count(
        w.pd.succeeded('PUT /incidents/{id}').map((c) => `${c.path}:${JSON.stringify(c.body)}`),
        writeBacks.map((r) => {
          const row = db.prepare('SELECT payload FROM outbox WHERE id = ?').pluck().get(r.id) as string;
          const p = JSON.parse(row) as { externalId: string; status: string };
          return `/incidents/${p.externalId}:${JSON.stringify({ incident: { type: 'incident_reference', status: p.status } })}`;
        }),
      ),
    },
    {
      effect: 'GitHub report pull requests',
      ...count(
        w.gh.pulls.map((p) => p.head),
        db.prepare('SELECT branch FROM postmortems').pluck().all() as string[],
      ),
    },
    {
      effect: 'GitHub follow-up issues',
      ...count(
        w.gh.issues.map((i) => /<!-- incident-bot followup (\d+\/\d+) -->/.exec(i.body)?.[1]),
        followups.map((f) => `${f.incidentId}/${f.id}`),
      ),
    },
    {
      effect: 'Statuspage incident updates',
      ...count(
        spUpdates,
        publicUpdates.map((u) => `${w.bot.app.incidents.get(u.incidentId)!.publicTitle}: ${u.body}`),
      ),
    },
  ];

  // In order per incident: each room's messages in the order the incident's rows were written; each
  // Statuspage incident's updates in the order they were published.
  const outOfOrder: string[] = [];
  for (const id of ids) {
    const channel = w.bot.app.incidents.get(id)!.channelId!;
    // The duties message has its own ordering key (edited in place), so it is not ordered with the notices.
    const inChannel = w.slack.ws
      .channelMessages(channel)
      .map(keyOf)
      .filter((k) => k && !dutiesKeys.has(k));
    const written = posted.filter((r) => r.incidentId === id && inChannel.includes(r.key)).map((r) => r.key);
    if (JSON.stringify(inChannel) !== JSON.stringify(written)) outOfOrder.push(`incident ${id}: Slack messages`);
  }
  for (const i of w.sp.incidents.values()) {
    const there = (i.incident_updates as { body: string }[]).map((u) => u.body).reverse();
    const ours = publicUpdates
      .filter((u) => w.bot.app.incidents.get(u.incidentId)!.publicTitle === i.name)
      .map((u) => u.body);
    if (JSON.stringify(there) !== JSON.stringify(ours)) outOfOrder.push(`Statuspage incident ${String(i.name)}`);
  }
  const vendorWords = new RegExp(vendor, 'i');
  const told = [
    ...new Set(ids.flatMap((id) => texts(w, id).filter((t) => vendorWords.test(t) && /:warning:|:hourglass/.test(t)))),
  ];
  return {
    kept: kept.map((k) => k.what),
    waited: waited.map((k) => k.what),
    told,
    effects,
    outOfOrder,
    dead,
  };
}

describe(`vendor outages: each vendor answers only 503s and hangs (${MODE}) for a window, then recovers`, () => {
  const results: RunResult[] = [];
  for (const vendor of ['Slack', 'PagerDuty', 'GitHub', 'Statuspage'] as const) {
    it(`${vendor} down: what does not need it keeps working; afterwards every effect is delivered once, in order`, async () => {
      const r = await run(vendor);
      results.push(r);
      printTable(
        `${vendor} down for ${(r.windowMs / 1000).toFixed(1)} s (${MODE}: ${r.refused} calls met the outage), ${r.events} events`,
        r.effects,
      );
      console.log(
        `while ${vendor} was down, kept working: ${r.kept.join('; ')}\nwaited for it: ${r.waited.join('; ') || '—'}\n` +
          `the rooms were told: ${r.told.join(' / ') || 'nothing'}`,
      );
      expect(r.refused).toBeGreaterThan(0);
      expect(r.effects.map((e) => [e.effect, e.lost, e.duplicated])).toEqual(r.effects.map((e) => [e.effect, 0, 0]));
      expect(r.effects.every((e) => e.expected > 0)).toBe(true);
      expect(r.outOfOrder).toEqual([]);
      expect(r.dead).toBe(0);
    }, 120_000);
  }

  it('sums up the runs', () => {
    if (results.length === 0) return;
    printTable(
      'Vendor outage suite',
      results.map((r) => {
        const sum = (k: 'expected' | 'delivered' | 'lost' | 'duplicated') => r.effects.reduce((a, e) => a + e[k], 0);
        return {
          'vendor down': r.vendor,
          window: `${(r.windowMs / 1000).toFixed(1)} s, ${r.refused} calls refused or hung`,
          events: r.events,
          expected: sum('expected'),
          delivered: sum('delivered'),
          lost: sum('lost'),
          duplicated: sum('duplicated'),
        };
      }),
    );
  });
});
