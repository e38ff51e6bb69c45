import { Database } from '../../src/db/sqlite-driver.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { startChildBot, type ChildBot } from '../helpers/child-bot.ts';
import { freePort } from '../helpers/free-port.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  PD_BOB,
  PD_CAROL,
  SIGNING_SECRET,
  pagerDutyEnv,
  tempDir,
  testEnv,
} from '../helpers/test-bot.ts';
import { printTable, seeded } from './seeded.ts';

const SEED = Number(process.env.CRASH_SEED ?? 20261125);
const KILLS = 12;
const PAGES = 40;
const DECLARES = 10;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

type Event = { kind: 'webhook'; body: object; trigger?: string } | { kind: 'declare'; title: string };

describe('crashes: the bot is SIGKILLed at random moments during a storm', () => {
  it(`loses nothing and doubles nothing across ${KILLS} kills (seed ${SEED})`, async () => {
    const random = seeded(SEED);
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB, PD_CAROL] }).start();
    const port = await freePort();
    const dbPath = join(tmp.dir, 'bot.db');
    const env = { ...testEnv(slack, dbPath), ...pagerDutyEnv(pd), PORT: String(port) };
    const url = `http://127.0.0.1:${port}`;
    pd.subscribe(`${url}/webhooks/pagerduty`, [pagerDutyEnv(pd).PAGERDUTY_WEBHOOK_SECRETS!.split(',')[1]!]);
    let bot: ChildBot | undefined;
    try {
      // The storm: pages (some delivered twice, as PagerDuty may), acknowledgements and resolutions
      // of some of them, and incidents declared from Slack, in a seeded order.
      const events: Event[] = [];
      const pages = Array.from({ length: PAGES }, (_, i) =>
        pd.createIncident({ title: `Crash page ${i}`, assignees: [[PD_ALICE, PD_BOB, PD_CAROL][i % 3]!] }),
      );
      for (const [i, page] of pages.entries()) {
        const trigger = {
          kind: 'webhook' as const,
          body: webhookBody('incident.triggered', incidentData(page), { id: `EVT-T-${i}` }),
          trigger: page.id,
        };
        events.push(trigger);
        if (random() < 0.25) events.push(trigger); // a redelivery
        if (random() < 0.5)
          events.push({
            kind: 'webhook',
            body: webhookBody('incident.acknowledged', incidentData({ ...page, status: 'acknowledged' }), {
              id: `EVT-A-${i}`,
              agent: PD_ALICE,
            }),
          });
        if (random() < 0.3)
          events.push({
            kind: 'webhook',
            body: webhookBody('incident.resolved', incidentData({ ...page, status: 'resolved' }), {
              id: `EVT-R-${i}`,
              agent: PD_ALICE,
            }),
          });
      }
      for (let i = 0; i < DECLARES; i++)
        events.splice(Math.floor(random() * events.length), 0, {
          kind: 'declare',
          title: `Declared during crashes ${i}`,
        });
      const killAt = new Set<number>();
      while (killAt.size < KILLS) killAt.add(1 + Math.floor(random() * (events.length - 1)));
      const kills = [...killAt].sort((a, b) => a - b);

      const answered = new Set<string>();
      const unanswered = new Set<string>();
      let restarts = 0;
      bot = await startChildBot(env);
      // A kill lands while the storm goes on: mid-request, mid-delivery or idle, whatever it hits.
      let restarting: Promise<void> = Promise.resolve();
      const crash = (afterMs = 0) => {
        restarting = (async () => {
          await sleep(afterMs);
          bot!.proc.kill('SIGKILL');
          await bot!.exited;
          bot = await startChildBot(env);
          restarts++;
        })();
      };
      for (const [i, event] of events.entries()) {
        if (kills[0] !== undefined && kills[0] <= i) {
          kills.shift();
          await restarting;
          crash(Math.floor(random() * 30));
        }
        if (event.kind === 'webhook') {
          // PagerDuty redelivers until it gets a 2xx.
          for (;;) {
            const res = await pd.send(event.body).catch(() => ({ status: 0 }));
            if (res.status >= 200 && res.status < 300) break;
            await restarting;
            await sleep(20);
          }
        } else {
          const body = slashCommandBody({
            text: `declare ${event.title} sev3`,
            userId: ALICE.id,
            channelId: 'C0GENERAL',
          });
          const res = await fetch(`${url}/slack/events`, {
            method: 'POST',
            body,
            headers: {
              'content-type': 'application/x-www-form-urlencoded',
              ...slackSignatureHeaders(SIGNING_SECRET, body),
            },
          }).catch(() => undefined);
          // Slack does not retry a slash command; one that got no answer may or may not have happened.
          (res?.status === 200 ? answered : unanswered).add(event.title);
          if (!res) await restarting;
        }
      }
      // One last kill while effects are still being delivered.
      await restarting;
      crash();
      await restarting;

      // Quiescence: nothing due in the outbox.
      const db = new Database(dbPath, { readonly: true });
      const due = db.prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND available_at <= ?").pluck();
      const deadline = Date.now() + 60_000;
      while ((due.get(Date.now()) as number) > 0 && Date.now() < deadline) await sleep(100);

      const incidents = db
        .prepare(
          'SELECT id, title, source, external_id AS externalId, channel_id AS channelId, summary_ts AS summaryTs FROM incidents',
        )
        .all() as {
        id: number;
        title: string;
        source: string;
        externalId: string | null;
        channelId: string | null;
        summaryTs: string | null;
      }[];
      const outbox = db
        .prepare(
          'SELECT kind, state, idempotency_key AS key, last_error AS error, available_at AS availableAt FROM outbox',
        )
        .all() as { kind: string; state: string; key: string; error: string | null; availableAt: number }[];
      const stuck = outbox.filter((o) => o.state !== 'delivered' && !o.kind.endsWith('archive'));
      if (stuck.length) console.log('not delivered:', stuck);
      const retriedAfterCrash = db
        .prepare('SELECT count(*) FROM outbox WHERE starts > attempts')
        .pluck()
        .get() as number;
      const adopted = db
        .prepare('SELECT count(*) FROM outbox WHERE result LIKE \'%"adopted":true%\'')
        .pluck()
        .get() as number;
      db.close();

      const triggered = new Set(pages.map((p) => p.id));
      const paged = incidents.filter((i) => i.source === 'pagerduty');
      const byTitle = (t: string) => incidents.filter((i) => i.title === t).length;
      const botChannels = [...slack.ws.channels.values()].filter((c) => c.creator === slack.ws.bot.id);
      const keyed = slack.ws.messages
        .map((m) => (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key)
        .filter((k): k is string => Boolean(k));
      const keyCounts = new Map<string, number>();
      for (const k of keyed) keyCounts.set(k, (keyCounts.get(k) ?? 0) + 1);
      const posted = outbox.filter(
        (o) => ['channel.notice', 'channel.post_summary'].includes(o.kind) && o.state === 'delivered',
      );

      const lost = {
        pages: [...triggered].filter((id) => !paged.some((i) => i.externalId === id)).length,
        declared: [...answered].filter((t) => byTitle(t) === 0).length,
        channels: incidents.filter((i) => !i.channelId || !slack.ws.channels.has(i.channelId)).length,
        messages: posted.filter((o) => !keyCounts.has(o.key)).length,
        pins: incidents.filter((i) => !slack.ws.messages.some((m) => m.ts === i.summaryTs && m.pinned)).length,
        undelivered: outbox.filter((o) => o.state !== 'delivered' && !o.kind.endsWith('archive')).length,
      };
      const duplicated = {
        pages: paged.length - new Set(paged.map((i) => i.externalId)).size,
        declared: [...answered, ...unanswered].filter((t) => byTitle(t) > 1).length,
        channels: botChannels.length - incidents.length,
        messages: [...keyCounts.values()].filter((n) => n > 1).length,
      };
      printTable(`Crash suite, seed ${SEED}: ${events.length} events, ${restarts} SIGKILL + restart`, [
        {
          what: 'PagerDuty pages',
          sent: PAGES,
          expected: PAGES,
          delivered: paged.length - duplicated.pages,
          lost: lost.pages,
          duplicated: duplicated.pages,
        },
        {
          what: 'declared from Slack (answered / unanswered)',
          sent: DECLARES,
          expected: `${answered.size} / ≤${unanswered.size}`,
          delivered: incidents.length - paged.length,
          lost: lost.declared,
          duplicated: duplicated.declared,
        },
        {
          what: 'incident channels',
          sent: '—',
          expected: incidents.length,
          delivered: botChannels.length - Math.max(0, duplicated.channels),
          lost: lost.channels,
          duplicated: duplicated.channels,
        },
        {
          what: 'messages (summaries, notices)',
          sent: '—',
          expected: posted.length,
          delivered: keyCounts.size,
          lost: lost.messages,
          duplicated: duplicated.messages,
        },
        {
          what: 'pinned summaries',
          sent: '—',
          expected: incidents.length,
          delivered: incidents.length - lost.pins,
          lost: lost.pins,
          duplicated: 0,
        },
        {
          what: 'outbox rows not delivered',
          sent: '—',
          expected: 0,
          delivered: '—',
          lost: lost.undelivered,
          duplicated: '—',
        },
        {
          what: `deliveries cut by a kill and redone (${adopted} channels adopted)`,
          sent: '—',
          expected: '—',
          delivered: retriedAfterCrash,
          lost: 0,
          duplicated: 0,
        },
      ]);
      expect({ lost, duplicated }).toEqual({
        lost: { pages: 0, declared: 0, channels: 0, messages: 0, pins: 0, undelivered: 0 },
        duplicated: { pages: 0, declared: 0, channels: 0, messages: 0 },
      });
      expect(restarts).toBeGreaterThanOrEqual(KILLS);
      expect(slack.rejected).toEqual([]);
    } finally {
      bot?.proc.kill('SIGKILL');
      await slack.stop();
      await pd.stop();
      tmp.cleanup();
    }
  }, 240_000);
});
