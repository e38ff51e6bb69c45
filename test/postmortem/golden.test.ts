import { webApi } from '@slack/bolt';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { draftReport, peopleIn } from '../../src/postmortem/draft.ts';
import { slackPeople } from '../../src/slack/people-directory.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { draftDeps } from '../helpers/report.ts';
import { ALICE, BOB, CAROL, PD_ALICE, eventually, settled, useBot } from '../helpers/test-bot.ts';

const GOLDEN = fileURLToPath(new URL('../golden/postmortem.md', import.meta.url));
const SETTINGS = `timezone: Europe/Berlin
postmortem:
  on_resolve: false
components:
  - { id: checkout, name: Checkout }
  - { id: api, name: API }
comms:
  rotation: [${BOB.id}]
`;
const MIN = 60_000;

describe('the post-incident report', () => {
  const h = useBot({ pagerduty: true, clock: true, settings: SETTINGS });
  const at = (t: number) => new Date(t).toISOString();

  it('renders a scripted incident that crosses midnight to the reviewed golden file', async () => {
    const t0 = Date.UTC(2026, 10, 24, 22, 20); // 23:20 in Berlin
    h.clock.now = t0;
    const step = async (minutes: number, fn: () => Promise<unknown>) => {
      h.clock.now = t0 + minutes * MIN;
      await fn();
      await settled(h.bot.app, () => h.clock.now);
    };
    const page = h.pd.createIncident({
      title: 'Card payments failing',
      assignees: [PD_ALICE],
      priority: 'P1',
      incidentKey: 'checkout-5xx',
    });
    await step(0, () => h.pd.send(webhookBody('incident.triggered', incidentData(page), { occurredAt: at(t0) })));
    const incident = await eventually(() => h.bot.app.incidents.listOpen().find((i) => i.channelId));
    const channel = incident.channelId!;
    const cmd =
      (text: string, user = BOB.id) =>
      () =>
        h.bot.command(text, { channel, user });
    const pin = (user: string, text: string, id: string) => async () => {
      const m = h.slack.ws.postAs(user, channel, text);
      await h.bot.event(
        {
          type: 'pin_added',
          user: ALICE.id,
          channel_id: channel,
          item: {
            type: 'message',
            channel,
            message: { text, user, ts: m.ts, permalink: `https://fake.slack.test/p/${id}` },
          },
        },
        `EvGOLD${id}`,
      );
    };
    await step(3, () =>
      h.pd.send(
        webhookBody('incident.acknowledged', incidentData(page), { agent: PD_ALICE, occurredAt: at(t0 + 3 * MIN) }),
      ),
    );
    await step(
      5,
      cmd('update investigating Checkout API returns 5xx for card payments; looking at the payment gateway.'),
    );
    await step(
      8,
      cmd(
        'update investigating Some customers cannot pay by card. We are investigating. --public --components checkout:major',
      ),
    );
    await step(12, cmd(`role commander <@${CAROL.id}|carol>`, ALICE.id));
    await step(15, pin(BOB.id, 'Error rate 40% on checkout-api since 23:14', '1'));
    await step(20, cmd('update identified TLS handshake failures to the gateway: expired client certificate.'));
    await step(25, pin(CAROL.id, 'Rolled back deploy #4512 (it did not help)', '2'));
    await step(30, cmd(`role comms <@${ALICE.id}|alice>`, CAROL.id));
    await step(
      35,
      cmd(
        'note The cert rotation job has failed silently since 2026-11-01 (| pipes | and *stars* stay literal).',
        CAROL.id,
      ),
    );
    await step(42, cmd('update monitoring New certificate deployed; error rate falling.', ALICE.id));
    await step(
      44,
      cmd(
        'update monitoring A fix is in place and card payments are recovering. --public --components checkout:degraded',
        ALICE.id,
      ),
    );
    await step(47, pin(ALICE.id, 'Error rate back to baseline', '3'));
    await step(50, cmd('mitigate', CAROL.id));
    await step(
      55,
      cmd(
        'impact Customers in the EU could not pay by card for about 35 minutes; about 1,200 checkouts failed.',
        CAROL.id,
      ),
    );
    await step(56, cmd(`followup Alert on certificate expiry 30 days ahead <@${BOB.id}|bob>`, CAROL.id));
    await step(57, cmd('followup Page on failures of the cert rotation job', CAROL.id));
    await step(65, cmd('resolve Certificate renewed and rotation job fixed; checkout healthy.', CAROL.id));

    const deps = draftDeps(h);
    const client = new webApi.WebClient(h.slack.token, { slackApiUrl: h.slack.url });
    const names = await slackPeople(client).displayNames(peopleIn(deps, incident.id));
    const { markdown, slug, date } = draftReport(
      deps,
      incident.id,
      names,
      `https://slack.com/app_redirect?channel=${channel}`,
    );
    expect({ slug, date }).toEqual({ slug: 'card-payments-failing', date: '2026-11-24' });
    if (process.env.UPDATE_GOLDEN || !existsSync(GOLDEN)) writeFileSync(GOLDEN, markdown);
    expect(markdown).toBe(readFileSync(GOLDEN, 'utf8'));
  });
});
