import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { Database, type Db } from '../../src/db/sqlite-driver.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { startChildBot, type ChildBot } from '../helpers/child-bot.ts';
import { freePort } from '../helpers/free-port.ts';
import { ALICE, BOB, CAROL, PD_ALICE, PD_BOB, PD_CAROL, pagerDutyEnv, tempDir, testEnv } from '../helpers/test-bot.ts';
import { FIXTURES } from '../runbooks/helpers.ts';
import { printTable, seeded } from './seeded.ts';

const SEED = Number(process.env.CRASH_SEED ?? 20261919);

const SETTINGS = `
runbooks:
  dir: ${FIXTURES}
automations:
  - name: disk-full
    when: { event: page, title_matches: 'disk' }
    do:
      - note: 'Automation cleaned /tmp on {{incident.title}}.'
      - runbook: { name: argv, params: { value: 'clean {{event.title}}' } }
`;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * When the kill lands, counted from the 202 that accepted the page: at once (the firing is committed,
 * nothing delivered yet), after a few seeded milliseconds (the room, the notice or the runbook's
 * delivery in flight), and the moment the runbook's run is recorded (its outbox row not yet marked
 * delivered, the exact window a retried delivery could start it twice) or its delivery starts. These last
 * windows are narrow: the table printed says which kills cut a delivery that the restart redid.
 */
type Moment = { after: 'accepted'; ms: number } | { after: 'run recorded' | 'runbook delivery started' };

describe('crashes: an automation fires once across a SIGKILL and a redelivery', () => {
  it(`the page's firing, note, notice and runbook run happen once per page (seed ${SEED})`, async () => {
    const random = seeded(SEED);
    const moments: Moment[] = [
      { after: 'accepted', ms: 0 },
      { after: 'accepted', ms: Math.floor(random() * 150) },
      { after: 'runbook delivery started' },
      { after: 'run recorded' },
      { after: 'run recorded' },
    ];
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB, PD_CAROL] }).start();
    const port = await freePort();
    const dbPath = join(tmp.dir, 'bot.db');
    writeFileSync(join(tmp.dir, 'settings.yaml'), SETTINGS);
    const env = {
      ...testEnv(slack, dbPath),
      ...pagerDutyEnv(pd),
      PORT: String(port),
      CONFIG_PATH: join(tmp.dir, 'settings.yaml'),
    };
    pd.subscribe(`http://127.0.0.1:${port}/webhooks/pagerduty`, [
      pagerDutyEnv(pd).PAGERDUTY_WEBHOOK_SECRETS!.split(',')[1]!,
    ]);
    let bot: ChildBot | undefined;
    let db: Db | undefined;
    const redelivered: string[] = [];
    try {
      bot = await startChildBot(env);
      db = new Database(dbPath, { readonly: true });
      const runsFor = db.prepare(
        `SELECT r.id FROM runbook_runs r JOIN incident_links l ON l.incident_id = r.incident_id
         WHERE l.external_id = ?`,
      );
      const startedFor = db.prepare(
        `SELECT o.id FROM outbox o JOIN incident_links l ON l.incident_id = o.incident_id
         WHERE l.external_id = ? AND o.kind = 'automation.runbook' AND o.starts > 0`,
      );
      const pages = moments.map((_, i) => pd.createIncident({ title: `disk full on db-${i}` }));
      for (const [i, moment] of moments.entries()) {
        const page = pages[i]!;
        const eventId = `EVT-DISK-${i}`;
        expect((await pd.trigger(page, { id: eventId })).status).toBe(202);
        if (moment.after === 'accepted') await sleep(moment.ms);
        else {
          const deadline = Date.now() + 10_000;
          // setImmediate, not a timer: the window between the run's row and its delivery's is short.
          const seen = moment.after === 'run recorded' ? runsFor : startedFor;
          while (seen.all(page.id).length === 0 && Date.now() < deadline) await new Promise(setImmediate);
        }
        bot.proc.kill('SIGKILL');
        await bot.exited;
        bot = await startChildBot(env);
        // PagerDuty delivers the same event again (it never saw our 202, say): same event id.
        const again = await pd.trigger(page, { id: eventId });
        expect(again.status).toBe(202);
        redelivered.push(String(again.json.status));
      }

      // Quiescence: nothing due in the outbox and every run finished (or marked interrupted by the restart).
      const due = db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND available_at <= ?").pluck();
      const open = db
        .prepare(
          "SELECT count(*) FROM runbook_runs WHERE status NOT IN ('succeeded', 'failed', 'killed', 'interrupted')",
        )
        .pluck();
      const deadline = Date.now() + 30_000;
      while (((due.get(Date.now()) as number) > 0 || (open.get() as number) > 0) && Date.now() < deadline)
        await sleep(100);

      const rows = pages.map((page, i) => {
        const incident = db!
          .prepare(
            `SELECT i.id, i.channel_id AS channelId FROM incidents i
             JOIN incident_links l ON l.incident_id = i.id WHERE l.external_id = ?`,
          )
          .get(page.id) as { id: number; channelId: string | null };
        const count = (sql: string) => db!.prepare(sql).pluck().get(incident.id) as number;
        const notices = incident.channelId
          ? slack.ws
              .channelMessages(incident.channelId)
              .filter((m) => m.text.startsWith(':robot_face:') && m.text.includes('Automation *disk-full*'))
          : [];
        const m = moments[i]!;
        return {
          kill:
            m.after === 'accepted'
              ? `${m.ms} ms after the 202`
              : m.after === 'run recorded'
                ? 'as the run is recorded'
                : 'as its delivery starts',
          redelivery: redelivered[i]!,
          firings: count('SELECT count(*) FROM automation_firings WHERE incident_id = ?'),
          runs: count('SELECT count(*) FROM runbook_runs WHERE incident_id = ?'),
          fired: count("SELECT count(*) FROM timeline_events WHERE incident_id = ? AND kind = 'automation_fired'"),
          notes: count(
            "SELECT count(*) FROM timeline_events WHERE incident_id = ? AND kind = 'note' AND actor = 'automation:disk-full'",
          ),
          notices: notices.length,
          'cut deliveries redone': count('SELECT count(*) FROM outbox WHERE incident_id = ? AND starts > attempts'),
          'run found on retry': count(
            `SELECT count(*) FROM outbox WHERE incident_id = ? AND kind = 'automation.runbook'
             AND result LIKE '%"started_before":true%'`,
          ),
        };
      });
      const stuck = db
        .prepare(
          "SELECT kind, state, last_error AS error FROM outbox WHERE state <> 'delivered' AND kind NOT LIKE '%archive'",
        )
        .all();
      printTable(`Automation crash, seed ${SEED}: ${moments.length} SIGKILL + restart + redelivery`, rows);
      expect(stuck).toEqual([]);
      for (const row of rows)
        expect(row, row.kill).toMatchObject({ firings: 1, runs: 1, fired: 1, notes: 1, notices: 1 });
      expect(slack.rejected).toEqual([]);
    } finally {
      db?.close();
      bot?.proc.kill('SIGKILL');
      await bot?.exited;
      await slack.stop();
      await pd.stop();
      tmp.cleanup();
    }
  }, 90_000);
});
