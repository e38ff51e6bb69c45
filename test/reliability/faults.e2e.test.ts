import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { Chaos } from '../../src/sandbox/chaos.ts';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import { FakePagerDuty } from '../../src/sandbox/fake-pagerduty/server.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
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
} from '../helpers/test-bot.ts';
import { printTable, seeded } from './seeded.ts';

const SEED = Number(process.env.FAULT_SEED ?? 7);
const RATE = Number(process.env.FAULT_RATE ?? 0.3);
const EVENTS = 300;
const PAGES = 60;
const DECLARES = 30;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe(`faults: Slack, PagerDuty and GitHub fail ${Math.round(RATE * 100)} % of calls`, () => {
  it(`delivers every expected effect exactly once over ${EVENTS} mixed events (seed ${SEED})`, async () => {
    const random = seeded(SEED);
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const pd = await new FakePagerDuty({ users: [PD_ALICE, PD_BOB, PD_CAROL] }).start();
    const gh = await new FakeGitHub().start();
    // Calls time out after 1 s here (10 s by default), so timeouts can be among the faults.
    writeFileSync(
      join(tmp.dir, 'settings.yaml'),
      `comms:\n  rotation: [${BOB.id}, ${CAROL.id}]\noutbox:\n  timeout_seconds: 1\n`,
    );
    const bot = await startTestBot(slack, join(tmp.dir, 'bot.db'), {
      env: {
        ...pagerDutyEnv(pd),
        CONFIG_PATH: join(tmp.dir, 'settings.yaml'),
        GITHUB_TOKEN: gh.token,
        GITHUB_REPO: `${gh.owner}/${gh.repo}`,
        GITHUB_API_URL: gh.url,
      },
    });
    pd.subscribe(`${bot.app.url}/webhooks/pagerduty`, [WEBHOOK_SECRET]);
    const sent: Record<string, number> = {
      'webhook: trigger': 0,
      'webhook: redelivery': 0,
      'webhook: acknowledged': 0,
      'webhook: resolved': 0,
      'command: declare': 0,
      'command: note': 0,
      'command: update': 0,
      'command: followup': 0,
      'command: resolve': 0,
    };
    try {
      slack.chaos = new Chaos(RATE, SEED, 1000);
      pd.chaos = new Chaos(RATE, SEED + 1, 1000);
      gh.chaos = new Chaos(RATE, SEED + 2, 1000);
      const webhook = async (body: object, what: string) => {
        sent[what]!++;
        // PagerDuty redelivers until it gets a 2xx.
        for (let i = 0; ; i++) {
          const res = await pd.send(body);
          if (res.status === 202 || res.status === 200) return;
          if (i > 20) throw new Error(`webhook refused: ${res.status}`);
          await sleep(20);
        }
      };
      const command = async (text: string, channel: string, what: string) => {
        sent[what]!++;
        const res = await bot.command(text, {
          channel,
          user: users[Object.values(sent).reduce((a, b) => a + b, 0) % EVENTS],
        });
        expect(res.status).toBe(200);
      };

      const pages = Array.from({ length: PAGES }, (_, i) =>
        pd.createIncident({ title: `Faulty page ${i}`, assignees: [[PD_ALICE, PD_BOB, PD_CAROL][i % 3]!] }),
      );
      // Every random choice is drawn up front, so the same seed sends the same events.
      const plan = pages.map(() => ({
        delay: Math.floor(random() * 200),
        again: random() < 0.25,
        ack: random() < 0.5,
        resolve: random() < 0.4,
      }));
      const pageWork = pages.map(async (page, i) => {
        const p = plan[i]!;
        await sleep(p.delay);
        const trigger = webhookBody('incident.triggered', incidentData(page), { id: `F-T-${i}` });
        await webhook(trigger, 'webhook: trigger');
        if (p.again) await webhook(trigger, 'webhook: redelivery');
        if (p.ack)
          await webhook(
            webhookBody('incident.acknowledged', incidentData({ ...page, status: 'acknowledged' }), {
              id: `F-A-${i}`,
              agent: PD_ALICE,
            }),
            'webhook: acknowledged',
          );
        if (p.resolve)
          await webhook(
            webhookBody('incident.resolved', incidentData({ ...page, status: 'resolved' }), {
              id: `F-R-${i}`,
              agent: PD_ALICE,
            }),
            'webhook: resolved',
          );
      });
      const users = Array.from({ length: EVENTS }, () => [ALICE, BOB, CAROL][Math.floor(random() * 3)]!.id);
      for (let i = 0; i < DECLARES; i++)
        await command(`declare Faulty declared ${i} sev${1 + (i % 4)}`, 'C0GENERAL', 'command: declare');
      await Promise.all(pageWork);
      const declared = await eventually(
        () => {
          const open = bot.app.incidents.listOpen().filter((x) => x.source === 'slack' && x.channelId);
          return open.length === DECLARES ? open : undefined;
        },
        60_000,
        'every declared incident to have its channel',
      );
      let n = Object.values(sent).reduce((a, b) => a + b, 0);
      for (const [i, incident] of declared.entries()) {
        const channel = incident.channelId!;
        await command(`note checked dashboards ${i}`, channel, 'command: note');
        await command(`update identified cause found ${i}`, channel, 'command: update');
        await command(`followup add an alert ${i}`, channel, 'command: followup');
        await command(`resolve fixed ${i}`, channel, 'command: resolve');
      }
      n = Object.values(sent).reduce((a, b) => a + b, 0);
      for (let i = 0; n < EVENTS; i++, n++)
        await command(
          `update monitoring still watching ${i}`,
          declared[i % declared.length]!.channelId!,
          'command: update',
        );

      // Quiescence: nothing left to deliver but the archives, which are scheduled a day later.
      const db = bot.app.db;
      const waiting = db
        .prepare("SELECT count(*) FROM outbox WHERE state = 'pending' AND kind <> 'channel.archive'")
        .pluck();
      await eventually(() => (waiting.get() as number) === 0 || undefined, 120_000, 'the outbox to drain');

      const incidents = db
        .prepare('SELECT id, source, external_id AS externalId, channel_id AS channelId, status FROM incidents')
        .all() as { id: number; source: string; externalId: string | null; channelId: string | null; status: string }[];
      const outbox = db
        .prepare('SELECT kind, state, idempotency_key AS key, last_error AS error FROM outbox')
        .all() as { kind: string; state: string; key: string; error: string | null }[];
      const followups = db.prepare('SELECT count(*) FROM followups').pluck().get() as number;
      const keyCounts = new Map<string, number>();
      for (const m of slack.ws.messages) {
        const key = (m.metadata as { event_payload?: { key?: string } } | undefined)?.event_payload?.key;
        if (key) keyCounts.set(key, (keyCounts.get(key) ?? 0) + 1);
      }
      const posted = outbox.filter(
        (o) => ['channel.notice', 'channel.post_summary'].includes(o.kind) && o.state === 'delivered',
      );
      const botChannels = [...slack.ws.channels.values()].filter((c) => c.creator === slack.ws.bot.id);
      const resolved = incidents.filter((i) => i.status === 'resolved');
      const markers = gh.issues.map((i) => /<!-- incident-bot followup \d+\/\d+ -->/.exec(i.body)?.[0]);
      const prHeads = gh.pulls.map((p) => p.head);
      const undelivered = outbox.filter((o) => o.state !== 'delivered' && !o.kind.endsWith('archive'));
      if (undelivered.length) console.log('not delivered:', undelivered);

      const rows = [
        {
          effect: 'incidents opened',
          expected: PAGES + DECLARES,
          delivered: incidents.length,
          lost: Math.max(0, PAGES + DECLARES - incidents.length),
          duplicated: Math.max(0, incidents.length - PAGES - DECLARES),
        },
        {
          effect: 'incident channels',
          expected: incidents.length,
          delivered: botChannels.length,
          lost: incidents.filter((i) => !i.channelId).length,
          duplicated: botChannels.length - incidents.filter((i) => i.channelId).length,
        },
        {
          effect: 'Slack messages (summaries, notices)',
          expected: posted.length,
          delivered: keyCounts.size,
          lost: posted.filter((o) => !keyCounts.has(o.key)).length,
          duplicated: [...keyCounts.values()].filter((c) => c > 1).length,
        },
        {
          effect: 'GitHub follow-up issues',
          expected: followups,
          delivered: new Set(markers).size,
          lost: followups - new Set(markers).size,
          duplicated: markers.length - new Set(markers).size,
        },
        {
          effect: 'GitHub draft pull requests',
          expected: resolved.length,
          delivered: new Set(prHeads).size,
          lost: resolved.length - new Set(prHeads).size,
          duplicated: prHeads.length - new Set(prHeads).size,
        },
        { effect: 'outbox rows dead or stuck', expected: 0, delivered: '—', lost: undelivered.length, duplicated: '—' },
      ];
      printTable(
        `Fault suite, seed ${SEED}, ${Math.round(RATE * 100)} % of calls faulted: ${Object.values(sent).reduce((a, b) => a + b, 0)} events (${Object.entries(
          sent,
        )
          .map(([k, v]) => `${k} ${v}`)
          .join(', ')})`,
        rows,
      );
      printTable('Faults injected', [
        { fake: 'Slack', ...slack.chaos.counts },
        { fake: 'PagerDuty', ...pd.chaos.counts },
        { fake: 'GitHub', ...gh.chaos.counts },
      ]);
      expect(Object.values(sent).reduce((a, b) => a + b, 0)).toBe(EVENTS);
      expect(rows.map((r) => [r.effect, r.lost, r.duplicated])).toEqual(
        rows.map((r) => [r.effect, 0, r.duplicated === '—' ? '—' : 0]),
      );
      expect(slack.chaos.counts.reset_after + gh.chaos.counts.reset_after).toBeGreaterThan(0);
      expect(slack.chaos.counts.timeout + gh.chaos.counts.timeout).toBeGreaterThan(0);
    } finally {
      slack.chaos = undefined;
      pd.chaos = undefined;
      gh.chaos = undefined;
      await bot.app.stop(0);
      await slack.stop();
      await pd.stop();
      await gh.stop();
      tmp.cleanup();
    }
  }, 240_000);
});
