import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  WEBHOOK_SECRET,
  eventually,
  pagerDutyEnv,
  startTestBot,
  tempDir,
  type TestBot,
} from '../helpers/test-bot.ts';
import { PUBLISHED, SCALE } from '../helpers/published-tiers.ts';

/** Twice Tier 2's allowance: each replica alone would send a whole window's worth of conversations.create. */
const PAGES = 40;

/** Rows of `replicas` as the database has them: when each replica last said it was alive. */
const seenAt = (bot: TestBot, id: string) =>
  Number(bot.app.db.prepare('SELECT seen_at FROM replicas WHERE id = ?').pluck().get(id) ?? 0);

describe("Slack's rate limits with two replicas in one workspace", () => {
  it('are kept by a storm of pages spread over both: Slack never has to say 429', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    const env = pagerDutyEnv(pd);
    const a = await startTestBot(slack, dbPath, { env, replicaId: 'replica-a:5101:aaaaaa' });
    let b: TestBot | undefined;
    try {
      const bStarted = Date.now();
      b = await startTestBot(slack, dbPath, { env, replicaId: 'replica-b:5102:bbbbbb' });
      // B counted A when it first beat; A counts B within a second (REPLICA_COUNT_MS), surely by its next beat.
      await eventually(() => seenAt(a, 'replica-a:5101:aaaaaa') >= bStarted, 15_000, "A's next heartbeat");

      slack.tiers = { scale: SCALE, perMinute: PUBLISHED };
      const pages = Array.from({ length: PAGES }, (_, i) =>
        pd.createIncident({ title: `Disk ${i} full`, assignees: [i % 2 ? PD_ALICE : PD_BOB] }),
      );
      // Half the pages to each replica, as a load balancer spreads them.
      for (const [bot, half] of [
        [a, pages.slice(0, PAGES / 2)],
        [b, pages.slice(PAGES / 2)],
      ] as const) {
        pd.subscribe(`${bot.app.url}/webhooks/pagerduty`, [WEBHOOK_SECRET]);
        const answers = await Promise.all(half.map((p) => pd.trigger(p, { id: `STORM-${p.id}` })));
        expect(answers.map((r) => r.status)).toEqual(half.map(() => 202));
      }
      await eventually(
        () =>
          slack.ws.messages.filter((m) => m.pinned).length === PAGES &&
          Number(a.app.db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending'").pluck().get()) === 0,
        60_000,
        'every room open, staffed and pinned',
      );

      const refused = slack.calls.filter((c) => c.status === 429).map((c) => c.method);
      expect(refused).toEqual([]);
      // Every room made and pinned once: pacing by share lost nothing and doubled nothing.
      const created = slack.succeeded('conversations.create');
      expect(new Set(created.map((c) => c.args.name)).size).toBe(PAGES);
      expect(created).toHaveLength(PAGES);
      expect(slack.succeeded('pins.add')).toHaveLength(PAGES);
    } finally {
      await b?.app.stop(0);
      await a.app.stop(0);
      await pd.stop();
      await slack.stop();
      tmp.cleanup();
    }
  }, 120_000);
});
