import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { leaseMs } from '../../src/scheduler/job-lease.ts';
import { Replica, sendWebhook, slash, sleep, storedIncidents, undelivered, until } from '../helpers/replicas.ts';
import { freePort } from '../helpers/free-port.ts';
import { openTestDatabase, onPostgres } from '../helpers/test-database.ts';
import { ALICE, BOB, CAROL, PD_ALICE, PD_BOB, PD_CAROL, pagerDutyEnv, tempDir, testEnv } from '../helpers/test-bot.ts';
import { ReminderSlots } from './reminder-slots.ts';
import { printTable, seeded } from './seeded.ts';

const SEED = Number(process.env.CRASH_SEED ?? 20261130);
const REPLICAS = 3;
const PAGES = 20;
const DECLARES = 6;
const KILLS = 4;
/** The scheduled jobs whose takeover is measured: the two that run every 15 and 30 s. */
const JOBS = { maintenance: 15_000, reminders: 30_000 };
/** The shortest update cadence settings allow, for every severity: reminders come due during the storm. */
const SETTINGS = 'update_cadence_minutes: { sev1: 1, sev2: 1, sev3: 1, sev4: 1 }\n';

type Event =
  | { kind: 'page'; i: number; body: object; redelivery: boolean }
  | { kind: 'declare'; title: string }
  | { kind: 'update' | 'resolve'; title: string; marker: string };

/**
 * Issue 17 item 4: three replicas on one PostgreSQL, a seeded storm of pages (some redelivered, to a
 * different replica), commands (declare, update, resolve) at random replicas, replicas SIGKILLed at
 * seeded moments and restarted; then a job lease holder killed for good and its jobs taken over.
 */
describe.skipIf(!onPostgres)('replica crashes: three replicas on one PostgreSQL, SIGKILLed during a storm', () => {
  it(`lose nothing, double nothing, and take over a dead replica's jobs (seed ${SEED})`, async () => {
    const began = Date.now();
    const random = seeded(SEED);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(random() * xs.length)]!;
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB, PD_CAROL] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    const configPath = join(tmp.dir, 'incident-bot.yaml');
    writeFileSync(configPath, SETTINGS);
    const env = { ...testEnv(slack, dbPath, { CONFIG_PATH: configPath }), ...pagerDutyEnv(pd) };
    const replicas: Replica[] = [];
    for (let r = 0; r < REPLICAS; r++) replicas.push(new Replica(`R${r}`, await freePort(), env));
    const db = openTestDatabase(dbPath);
    const reminders = new ReminderSlots(db, () => replicas.filter((r) => r.up).map((r) => r.id()));
    try {
      await Promise.all(replicas.map((r) => r.start()));
      reminders.watch();

      // The storm, in a seeded order: pages, a quarter of them delivered twice; declarations, and
      // for each declared incident an update and (for half) a resolve, sent after its room exists.
      const pages = Array.from({ length: PAGES }, (_, i) =>
        pd.createIncident({ title: `Storm page ${i}`, assignees: [[PD_ALICE, PD_BOB, PD_CAROL][i % 3]!] }),
      );
      const events: Event[] = [];
      for (const [i, p] of pages.entries()) {
        const body = webhookBody('incident.triggered', incidentData(p), { id: `EVT-RC-${i}` });
        events.push({ kind: 'page', i, body, redelivery: false });
        if (random() < 0.25) events.push({ kind: 'page', i, body, redelivery: true });
      }
      for (let d = 0; d < DECLARES; d++) {
        const title = `Declared in the replica storm ${d}`;
        const at = Math.floor(random() * events.length * 0.5);
        events.splice(at, 0, { kind: 'declare', title });
        const later = at + 1 + Math.floor(random() * (events.length - at - 1));
        const follow: Event[] = [{ kind: 'update', title, marker: `progress-${d}` }];
        if (d % 2 === 0) follow.push({ kind: 'resolve', title, marker: `fixed-${d}` });
        events.splice(later, 0, ...follow);
      }
      const killAt = new Set<number>();
      while (killAt.size < KILLS) killAt.add(2 + Math.floor(random() * (events.length - 4)));
      const kills = [...killAt].sort((x, y) => x - y);

      const upReplicas = () => replicas.filter((r) => r.up);
      let crashing: Promise<void> = Promise.resolve();
      const killLog: string[] = [];
      const crash = (victim: Replica, afterMs: number, downMs: number) => {
        crashing = (async () => {
          await sleep(afterMs);
          await victim.kill();
          killLog.push(victim.name);
          await sleep(downMs);
          await victim.start();
        })();
      };

      const firstTo = new Map<number, Replica>();
      const answered = { declare: new Set<string>(), update: new Set<string>(), resolve: new Set<string>() };
      const unanswered = { declare: new Set<string>(), update: new Set<string>(), resolve: new Set<string>() };
      let redeliveredElsewhere = 0;
      let retried = 0;
      const channelOf = (title: string) => storedIncidents(db).find((x) => x.title === title)?.channelId;

      for (const [n, event] of events.entries()) {
        if (kills[0] !== undefined && kills[0] <= n) {
          kills.shift();
          await crashing;
          crash(pick(replicas), Math.floor(random() * 40), Math.floor(random() * 800));
        }
        if (event.kind === 'page') {
          // A redelivery goes to a replica other than the first delivery's; PagerDuty retries until a 2xx,
          // and behind a load balancer a retry may land anywhere.
          const others = replicas.filter((r) => r !== firstTo.get(event.i));
          let to = event.redelivery ? pick(others) : pick(replicas);
          if (event.redelivery) redeliveredElsewhere++;
          else firstTo.set(event.i, to);
          for (;;) {
            const status = await sendWebhook(to, event.body);
            if (status >= 200 && status < 300) break;
            retried++;
            await sleep(50);
            to = pick(upReplicas().length ? upReplicas() : replicas);
          }
          continue;
        }
        // The load balancer sends a command to a replica it believes up; one killed mid-request answers nothing.
        const to = pick(upReplicas().length ? upReplicas() : replicas);
        let text: string;
        let channel: string | undefined;
        if (event.kind === 'declare') text = `declare ${event.title} sev3`;
        else {
          if (!answered.declare.has(event.title)) continue; // its declaration may not have happened
          // A person types it in the incident's channel, once the room is there.
          await until(() => Boolean(channelOf(event.title)), 20_000, 100);
          channel = channelOf(event.title) ?? undefined;
          text = event.kind === 'update' ? `update identified ${event.marker}` : `resolve ${event.marker}`;
        }
        const res = await slash(to, text, { channel });
        const key = event.kind === 'declare' ? event.title : event.marker;
        // Slack does not retry a slash command: one that got no answer may or may not have happened.
        (res.status === 200 && !/^(Sorry|Something)/.test(res.text) ? answered : unanswered)[event.kind].add(key);
      }
      await crashing;

      // A scheduled job's holder dies for good: another replica takes its jobs over once its lease ran out.
      const lease = (job: string) =>
        db.prepare('SELECT holder, lease_until AS "leaseUntil" FROM job_leases WHERE job = ?').get(job) as
          { holder: string; leaseUntil: number | string } | undefined;
      await until(() => Object.keys(JOBS).every((j) => lease(j)), 35_000);
      // Each job's holder: a life a storm kill already ended, or, if it is alive, killed now (not restarted).
      const deathOf = (id: string | undefined) =>
        replicas.flatMap((r) => r.deaths.map((d) => ({ ...d, name: r.name }))).find((d) => d.id === id);
      const dead: Record<string, { id: string; at: number; name: string; leaseUntil: number }> = {};
      for (const job of Object.keys(JOBS)) {
        const held = lease(job)!;
        if (!deathOf(held.holder)) {
          const holder = replicas.find((r) => r.id() === held.holder);
          expect(holder, `${job}'s holder ${held.holder} is one of the replicas`).toBeDefined();
          await holder!.kill();
          killLog.push(`${holder!.name} (held ${job}; not restarted)`);
        }
        const death = deathOf(held.holder)!;
        dead[job] = { id: held.holder, at: death.at, name: death.name, leaseUntil: Number(held.leaseUntil) };
      }
      const takeover: Record<string, { leftMs: number; afterExpiryMs: number | null; by: string; from: string }> = {};
      const watches = Object.entries(JOBS).map(async ([job, periodMs]) => {
        const { id, at, name, leaseUntil } = dead[job]!;
        // The dead holder's lease would run out by itself `leaseUntil - at` after its death (up to
        // leaseMs(period) = 90 s): too long for a test run, so its end is brought forward to now, as if that
        // time had passed; what is measured is how soon a live replica notices (its next round: one period).
        db.prepare('UPDATE job_leases SET lease_until = ? WHERE job = ? AND holder = ?').run(Date.now(), job, id);
        const expiredAt = Date.now();
        const ok = await until(() => {
          const now = lease(job);
          return Boolean(now && now.holder !== id && Number(now.leaseUntil) > Date.now());
        }, periodMs + 5_000);
        const by = lease(job)?.holder;
        takeover[job] = {
          leftMs: leaseUntil - at,
          afterExpiryMs: ok ? Date.now() - expiredAt : null,
          by: replicas.find((r) => r.up && r.id() === by)?.name ?? String(by),
          from: `${name} (dead)`,
        };
      });

      // Quiescence, meanwhile: every incident has its room, nothing left to deliver.
      const expectedIncidents = PAGES + answered.declare.size;
      const settled = await until(() => {
        const rooms = storedIncidents(db);
        return undelivered(db) === 0 && rooms.length >= expectedIncidents && rooms.every((r) => r.summaryTs);
      }, 45_000);
      await Promise.all(watches);
      // The reminders tick after the first slot of every open incident not reminded yet (so each open incident
      // has had one), held by the live taker, and time for its round and for Slack to get what it queued.
      const lastTick = Math.ceil(Math.max(Date.now(), reminders.lastFirstSlot()) / JOBS.reminders) * JOBS.reminders;
      await sleep(lastTick - Date.now() + 12_000);
      const remindersDelivered = await until(() => undelivered(db) === 0, 30_000);
      reminders.stop();
      const reminded = reminders.tally(slack);

      const incidents = storedIncidents(db);
      const paged = incidents.filter((i) => i.source === 'pagerduty');
      const byTitle = (t: string) => incidents.filter((i) => i.title === t);
      const updates = db.prepare('SELECT body FROM incident_updates').all() as { body: string }[];
      const updatesWith = (marker: string) => updates.filter((u) => u.body.includes(marker)).length;
      const outbox = db.prepare('SELECT kind, state, idempotency_key AS "key" FROM outbox').all() as {
        kind: string;
        state: string;
        key: string;
      }[];
      const keyCounts = new Map<string, number>();
      for (const m of slack.ws.messages) {
        const k = (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
        if (k) keyCounts.set(k, (keyCounts.get(k) ?? 0) + 1);
      }
      const posted = outbox.filter(
        (o) => ['channel.notice', 'channel.post_summary'].includes(o.kind) && o.state === 'delivered',
      );
      const botChannels = [...slack.ws.channels.values()].filter((c) => c.creator === slack.ws.bot.id);
      const pins = slack.calls.filter((c) => c.method === 'pins.add' && c.ok);

      const lost = {
        pages: pages.filter((p) => !paged.some((i) => i.externalId === p.id)).length,
        declared: [...answered.declare].filter((t) => byTitle(t).length === 0).length,
        updates: [...answered.update].filter((m) => updatesWith(m) === 0).length,
        resolves: [...answered.resolve].filter((m) => {
          const title = `Declared in the replica storm ${m.split('-')[1]}`;
          return byTitle(title)[0]?.status !== 'resolved';
        }).length,
        channels: incidents.filter((i) => !i.channelId || !slack.ws.channels.has(i.channelId)).length,
        pins: incidents.filter((i) => !slack.ws.messages.some((m) => m.ts === i.summaryTs && m.pinned)).length,
        messages: posted.filter((o) => !keyCounts.has(o.key)).length,
        undelivered: undelivered(db),
      };
      const duplicated = {
        pages: paged.length - new Set(paged.map((i) => i.externalId)).size,
        declared: [...answered.declare, ...unanswered.declare].filter((t) => byTitle(t).length > 1).length,
        updates: [...answered.update, ...unanswered.update].filter((m) => updatesWith(m) > 1).length,
        channels: botChannels.length - incidents.length,
        pins: pins.length - new Set(pins.map((c) => `${String(c.args.channel)}/${String(c.args.timestamp)}`)).size,
        messages: [...keyCounts.values()].filter((n) => n > 1).length,
      };
      const sum = (o: Record<string, number>) => Object.values(o).reduce((x, y) => x + y, 0);
      const commands = (s: typeof answered) => s.declare.size + s.update.size + s.resolve.size;
      const takeoverCell = (job: string) => {
        const t = takeover[job];
        return t
          ? `${t.afterExpiryMs ?? 'none'} (from ${t.from}, lease had ${Math.round(t.leftMs / 1000)} s left; to ${t.by})`
          : 'not measured';
      };
      printTable(`Replica crash suite, seed ${SEED}: ${REPLICAS} replicas on one PostgreSQL, ${events.length} events`, [
        {
          seed: SEED,
          kills: `${killLog.length} (${killLog.join(', ')})`,
          pages: `${PAGES} (+${redeliveredElsewhere} redelivered elsewhere, ${retried} retried)`,
          commands: `${commands(answered)} answered / ${commands(unanswered)} unanswered`,
          lost: sum(lost),
          duplicated: sum(duplicated),
          'maintenance takeover ms': takeoverCell('maintenance'),
          'reminders takeover ms': takeoverCell('reminders'),
          reminders: `${reminded.sent} sent, ${reminded.duplicated.length} duplicated, ${reminded.missed.length} missed`,
          'wall s': Math.round((Date.now() - began) / 1000),
        },
      ]);
      console.log(
        JSON.stringify(
          { lost, duplicated, reminded, remindersDelivered, settled, incidents: incidents.length, bound: boundsOf() },
          null,
          1,
        ),
      );

      expect({ lost, duplicated }).toEqual({
        lost: { pages: 0, declared: 0, updates: 0, resolves: 0, channels: 0, pins: 0, messages: 0, undelivered: 0 },
        duplicated: { pages: 0, declared: 0, updates: 0, channels: 0, pins: 0, messages: 0 },
      });
      expect(settled).toBe(true);
      // Each comms lead's update reminder posted once per due slot, across replicas and kills; none let pass
      // by a live replica holding the job (there were slots and ticks to check).
      expect({ duplicated: reminded.duplicated, missed: reminded.missed }).toEqual({ duplicated: [], missed: [] });
      expect(remindersDelivered).toBe(true);
      expect(reminded.sent).toBeGreaterThanOrEqual(PAGES);
      expect(reminded.checkedTicks).toBeGreaterThan(0);
      expect(killLog.length).toBeGreaterThanOrEqual(KILLS);
      // Each job was taken over by a live replica within one of its periods after the dead holder's lease ran out.
      for (const job of Object.keys(JOBS)) {
        expect(takeover[job]?.afterExpiryMs, `${job} taken over`).not.toBeNull();
        expect(
          replicas.some((r) => r.up && r.id() === lease(job)?.holder),
          `${job} held by a live replica`,
        ).toBe(true);
      }
      expect(slack.rejected).toEqual([]);
    } finally {
      reminders.stop();
      await Promise.all(replicas.map((r) => r.kill()));
      db.close();
      await slack.stop();
      await pd.stop();
      tmp.cleanup();
    }
  }, 240_000);
});

/** The takeover bound the product states: a dead holder's lease, then the taker's next round. */
const boundsOf = () =>
  Object.fromEntries(
    Object.entries(JOBS).map(([job, periodMs]) => [job, `≤ ${(leaseMs(periodMs) + periodMs) / 1000} s after a kill`]),
  );
