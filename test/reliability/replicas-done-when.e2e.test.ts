import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import {
  Replica,
  roomEffects,
  sendWebhook,
  slash,
  sleep,
  storedIncidents,
  undelivered,
  until,
} from '../helpers/replicas.ts';
import { freePort } from '../helpers/free-port.ts';
import { openTestDatabase, onPostgres } from '../helpers/test-database.ts';
import { ALICE, BOB, CAROL, PD_ALICE, PD_BOB, PD_CAROL, pagerDutyEnv, tempDir, testEnv } from '../helpers/test-bot.ts';
import { printTable, seeded } from './seeded.ts';

const SEED = Number(process.env.CRASH_SEED ?? 20261129);
const PAGES = 12;
const SLACK_OF = { [PD_ALICE.id]: ALICE.id, [PD_BOB.id]: BOB.id, [PD_CAROL.id]: CAROL.id };

/**
 * Issue 17's "Done when": two replicas sharing one PostgreSQL, one SIGKILLed during a burst of pages
 * whose redeliveries go to the other; every accepted page has exactly one staffed channel, and an
 * incident declared on one replica is listed by the other.
 */
describe.skipIf(!onPostgres)('two replicas on one PostgreSQL, one SIGKILLed during a burst of pages', () => {
  it(`gives every accepted page exactly one staffed room, and A lists what B declared (seed ${SEED})`, async () => {
    const random = seeded(SEED);
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB, PD_CAROL] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    const env = { ...testEnv(slack, dbPath), ...pagerDutyEnv(pd) };
    const a = new Replica('A', await freePort(), env);
    const b = new Replica('B', await freePort(), env);
    const db = openTestDatabase(dbPath);
    try {
      await Promise.all([a.start(), b.start()]);
      const pages = Array.from({ length: PAGES }, (_, i) =>
        pd.createIncident({ title: `Replica page ${i}`, assignees: [[PD_ALICE, PD_BOB, PD_CAROL][i % 3]!] }),
      );
      const bodies = pages.map((p, i) => webhookBody('incident.triggered', incidentData(p), { id: `EVT-RT-${i}` }));

      // The burst, alternately to A and B, each sent once the last was answered (not its effects done);
      // A dies at a seeded moment, whatever it is doing then.
      const killAt = 3 + Math.floor(random() * (PAGES - 6));
      const killDelayMs = Math.floor(random() * 30);
      let killing: Promise<void> = Promise.resolve();
      const first = new Map<number, { to: string; status: number }>();
      for (const [i, body] of bodies.entries()) {
        if (i === killAt) killing = sleep(killDelayMs).then(() => a.kill());
        const to = i % 2 === 0 ? a : b;
        first.set(i, { to: to.name, status: await sendWebhook(to, body) });
      }
      await killing;
      expect(a.up).toBe(false);

      // PagerDuty redelivers: a delivery that got no 2xx until one does, and here also every one that
      // did (same event id), all to B: the inbox must make the second delivery do nothing.
      const accepted = [...first.entries()].filter(([, f]) => f.status >= 200 && f.status < 300).map(([i]) => i);
      const redelivered: number[] = [];
      for (const body of bodies) {
        let status = await sendWebhook(b, body);
        while (status < 200 || status >= 300) {
          await sleep(100);
          status = await sendWebhook(b, body);
        }
        redelivered.push(status);
      }

      // An incident declared by slash command on B while A is down; A restarted lists it.
      const declared = await slash(b, 'declare Declared on replica B sev3');
      expect(declared.status).toBe(200);
      const declaredId = Number(/#(\d+)/.exec(declared.text)?.[1]);
      expect(declaredId).toBeGreaterThan(0);
      await a.start();
      const listed = await slash(a, 'list');

      // Quiescence: every room opened, nothing left to deliver (A's cut claims freed by its restart).
      const settled = await until(() => {
        const rooms = storedIncidents(db);
        return undelivered(db) === 0 && rooms.length === PAGES + 1 && rooms.every((r) => r.summaryTs && r.channelId);
      }, 45_000);

      const incidents = storedIncidents(db);
      const paged = incidents.filter((i) => i.source === 'pagerduty');
      const rows = pages.map((p, i) => {
        const mine = paged.filter((x) => x.externalId === p.id);
        const effects = mine[0] ? roomEffects(slack, mine[0], SLACK_OF[p.assignees[0]!.id]) : undefined;
        return {
          page: i,
          first: `${first.get(i)!.to} ${first.get(i)!.status}`,
          redelivery: `B ${redelivered[i]}`,
          incidents: mine.length,
          'conversations.create': effects?.created ?? 0,
          invited: effects?.invited ?? 0,
          'staffed (member)': effects?.member ? 'yes' : 'no',
          summaries: effects?.summaries ?? 0,
          'pins.add': effects?.pinned ?? 0,
          'repeated messages': effects?.duplicateMessages ?? 0,
        };
      });
      printTable(
        `Replicas "Done when", seed ${SEED}: ${PAGES} pages alternately to A and B, A SIGKILLed at page ${killAt} ` +
          `(+${killDelayMs} ms), every delivery redelivered to B; settled: ${settled}`,
        rows,
      );
      const botChannels = [...slack.ws.channels.values()].filter((c) => c.creator === slack.ws.bot.id);
      console.log(
        `accepted at first delivery: ${accepted.length}/${PAGES}; bot channels: ${botChannels.length} for ` +
          `${incidents.length} incidents; /incident list on restarted A: ${listed.status}\n${listed.text}`,
      );

      // Every page was accepted (by A or B, or by B on redelivery): each has exactly one staffed room.
      for (const row of rows)
        expect(row, `page ${row.page}`).toMatchObject({
          incidents: 1,
          'conversations.create': 1,
          invited: 1,
          'staffed (member)': 'yes',
          summaries: 1,
          'pins.add': 1,
          'repeated messages': 0,
        });
      expect(botChannels.length).toBe(incidents.length);
      expect(settled).toBe(true);
      // The incident B declared is listed by the restarted A.
      expect(listed.status).toBe(200);
      expect(listed.text).toContain(`#${declaredId}`);
      expect(listed.text).toContain('Declared on replica B');
      expect(slack.rejected).toEqual([]);
    } finally {
      await Promise.all([a.kill(), b.kill()]);
      db.close();
      await slack.stop();
      await pd.stop();
      tmp.cleanup();
    }
  }, 120_000);
});
