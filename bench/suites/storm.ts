/**
 * An alert storm under Slack's real limits: the fake Slack enforces each method's published tier
 * (calls per minute), time-scaled ×60 so a minute's allowance applies per second, and the bot paces
 * at the same scale. Many pages at once; the drain time (until every incident's room is open, staffed
 * and pinned) is compared with the least those limits allow. The full run also storms at real time
 * (×1), fewer pages, so that what holds in compressed time is seen to hold in Slack's own.
 * Then the scaled storm on three replicas, each in its own process, sharing one PostgreSQL database
 * (bench/lib/postgres.ts) and one Slack workspace, the pages spread over them: its ratio to the same
 * minimum, and duplicated effects (rooms or pins beyond one per page), which must be 0.
 */
import { pagerDutySignatureHeader } from '../../src/pagerduty/verify-signature.ts';
import { REPLICA_COUNT_MS } from '../../src/scheduler/heartbeat.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import type { Db } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { BENCH_PD_USERS, BENCH_USERS, benchBot } from '../lib/bot.ts';
import { childServer } from '../lib/child-server.ts';
import { perWindow } from '../lib/per-window.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';
import type { StormReplicaArgs } from '../servers/storm-replica.ts';

const SECRET = 'bench-storm-secret';
/** Slack's tiers for the methods a page uses (api.slack.com/apis/rate-limits): Tier 2 = 20/min, Tier 3 = 50/min, Tier 4 = 100/min. */
const PER_MINUTE: Record<string, number> = {
  'conversations.create': 20,
  'conversations.setTopic': 20,
  'pins.add': 20,
  'conversations.invite': 50,
  'users.lookupByEmail': 50,
  'chat.update': 50,
  'users.info': 100,
};

export const storm: Suite = {
  name: 'storm',
  async run({ quick }) {
    const pages = quick ? 40 : 200;
    const scaled = await stormAt(60, pages);
    const replicas = await stormAt(60, pages, { replicas: 3, databaseUrl: await benchDatabaseUrl() });
    // Real time: 20 pages make 40 topic changes, two minutes' worth of Tier 2, so a minute's wait at least.
    return quick ? [scaled, replicas] : [scaled, replicas, await stormAt(1, 20)];
  },
};

/**
 * `pages` pages at once, under Slack's tiers compressed `scale`×. With `replicas`, that many bots,
 * each in its own process (a sync PostgreSQL statement blocks its process), share the PostgreSQL
 * database `databaseUrl` and one fake Slack (whose limits are the workspace's, whichever replica
 * calls), and page i goes to replica i mod n.
 */
export async function stormAt(
  scale: number,
  pages: number,
  shared?: { replicas: number; databaseUrl: string },
): Promise<Figure> {
  const pd = await new FakePagerDuty({
    users: BENCH_PD_USERS,
  }).start();
  const workspace = shared ? await new FakeSlack({ users: BENCH_USERS }).start() : undefined;
  type Replica = { url: string; stop: () => Promise<void> };
  const running: Replica[] = [];
  let store: Db | undefined;
  try {
    let slack: FakeSlack;
    if (shared && workspace) {
      // Each replica in its own process, as on hosts of their own (bench/servers/storm-replica.ts).
      const args: StormReplicaArgs = {
        slack: { url: workspace.url, token: workspace.token },
        pagerduty: { url: pd.url, token: pd.token },
        secret: SECRET,
        scale,
      };
      for (let r = 0; r < shared.replicas; r++) {
        const child = await childServer<{ url: string }>('storm-replica.ts', [JSON.stringify(args)], {
          BENCH_BOT_DATABASE_URL: shared.databaseUrl,
        });
        running.push({ url: child.info.url, stop: child.stop });
      }
      store = openPostgres({ url: shared.databaseUrl });
      slack = workspace;
      // Replicas already running when the storm hits: each has counted the others (they re-count every
      // REPLICA_COUNT_MS). One joining mid-storm is a deploy's case, not this one's.
      await new Promise((r) => setTimeout(r, REPLICA_COUNT_MS + 500));
    } else {
      const bot = await benchBot(
        {
          PAGERDUTY_TOKEN: pd.token,
          PAGERDUTY_FROM: 'bot@example.com',
          PAGERDUTY_API_URL: pd.url,
          PAGERDUTY_WEBHOOK_SECRETS: SECRET,
        },
        undefined,
        undefined,
        { slackRateScale: scale },
      );
      running.push({ url: bot.app.url, stop: bot.stop });
      store = bot.app.db;
      slack = bot.slack;
    }
    const send = async (i: number, id: string) => {
      const page = pd.createIncident({
        title: `Storm ${id}`,
        assignees: [{ id: `PBENCH${i % 4}`, name: `u${i % 4}` }],
      });
      const body = JSON.stringify(webhookBody('incident.triggered', incidentData(page), { id }));
      const res = await fetch(`${running[i % running.length]!.url}/webhooks/pagerduty`, {
        method: 'POST',
        body,
        headers: {
          'content-type': 'application/json',
          'x-pagerduty-signature': pagerDutySignatureHeader(body, [SECRET]),
        },
      });
      if (res.status !== 202) throw new Error(`webhook answered ${res.status}`);
    };
    const waiting = store
      .prepare(
        "SELECT count(*) FROM outbox WHERE state = 'pending' AND kind NOT IN ('channel.archive', 'postmortem.publish')",
      )
      .pluck();
    // Stops by itself: a storm that has not drained in ten times the least the limits allow has failed.
    const drain = async () => {
      const deadline = performance.now() + Math.max(60_000, (10 * (pages / 20) * 60_000) / scale);
      while (Number(waiting.get()) > 0) {
        if (performance.now() > deadline)
          throw new Error(`storm not drained: ${String(waiting.get())} effects pending`);
        await new Promise((r) => setTimeout(r, 20));
      }
    };
    const windowS = 60 / scale;
    // Warmed up as every other suite's servers are (JIT, prepared statements, connections): a page per
    // replica, under no limit at the fake; then the pacer's window passes, so the storm starts with
    // the whole allowance. The warm-up's people are then in the directory's cache (three of the four
    // the storm pages, one with one process), as for a team whose on-call people were paged within the
    // hour. Not at real time, where a cold start is a small part of a minute's window and waiting one
    // out would add a minute to the run.
    const warmPages = scale > 1 ? running.length : 0;
    await Promise.all(Array.from({ length: warmPages }, (_, i) => send(i, `STORM-WARM-${i}`)));
    await drain();
    if (warmPages > 0) await new Promise((r) => setTimeout(r, windowS * 1000 + 250));
    const since = Date.now();
    const warmPinned = slack.ws.messages.filter((m) => m.pinned).length;
    slack.tiers = { scale: scale, perMinute: PER_MINUTE };
    const t0 = performance.now();
    const startedAt = Date.now();
    await Promise.all(Array.from({ length: pages }, (_, i) => send(i, `STORM-${i}`)));
    const answered = (performance.now() - t0) / 1000;
    await drain();
    const drained = (performance.now() - t0) / 1000;
    const calls = slack.calls.filter((c) => c.at >= since);
    const pinned = slack.ws.messages.filter((m) => m.pinned).length - warmPinned;
    const rooms = calls.filter((c) => c.method === 'conversations.create' && c.ok).length;
    const duplicates = Math.max(0, rooms - pages) + Math.max(0, pinned - pages);
    if (pinned < pages || rooms < pages) throw new Error(`${rooms} rooms, ${pinned} of ${pages} summaries pinned`);
    // The least time the limits allow: for each method, its calls need ceil(n / limit) windows; the
    // first window starts at once, so (windows - 1) full windows must pass. Methods run in parallel.
    const counts = Object.keys(PER_MINUTE).map((m) => ({
      m,
      n: calls.filter((c) => c.method === m && c.ok).length,
    }));
    const floor = Math.max(...counts.map(({ m, n }) => (Math.ceil(n / PER_MINUTE[m]!) - 1) * windowS));
    const bound = counts.reduce((a, b) =>
      (Math.ceil(b.n / PER_MINUTE[b.m]!) - 1) * windowS >= (Math.ceil(a.n / PER_MINUTE[a.m]!) - 1) * windowS ? b : a,
    );
    const throttled = calls.filter((c) => c.status === 429).length;
    // Where the run lost its slots, if it did: the method that sets the least time, window by window.
    const windows = perWindow(
      calls.filter((c) => c.method === bound.m && c.ok).map((c) => c.at),
      startedAt,
      windowS * 1000,
    );
    return {
      ...summarise(
        'storm',
        `${pages} pages at once${shared ? ` spread over ${running.length} replicas on one database, each in its own process,` : ''} under Slack's tiers ×${scale}: until every room is open, staffed and pinned (${throttled} × 429 answered${shared ? `; ${duplicates} duplicated rooms or pins` : ''})`,
        's',
        [drained],
        shared ? '≤ 1.1× the minimum; 0 duplicates' : '≤ 1.1× the minimum',
      ),
      note: `every webhook answered in ${answered.toFixed(2)} s; ${bound.m} a window: ${windows.join(' ')}`,
      ...(shared ? { engine: 'postgres' as const } : {}),
      floor: {
        name: `least the limits allow (${bound.m}: ${bound.n} calls at ${PER_MINUTE[bound.m]}/min)`,
        median: floor,
        p99: floor,
      },
    };
  } finally {
    try {
      if (shared) store?.close();
    } finally {
      for (const r of running.reverse()) await r.stop();
      await workspace?.stop();
      await pd.stop();
    }
  }
}
