import { describe, expect, it } from 'vitest';
import { viewActionBody } from '../../src/sandbox/slack-payloads.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot } from '../helpers/test-bot.ts';

/** The Home tab Slack shows a person: the last view published for them. */
const homeOf = (h: ReturnType<typeof useBot>, user: string) => {
  const call = h.slack
    .succeeded('views.publish')
    .filter((c) => c.args.user_id === user)
    .at(-1);
  return call ? (JSON.parse(String(call.args.view)) as { type: string; blocks: unknown[] }) : undefined;
};
const publishesFor = (h: ReturnType<typeof useBot>, user: string) =>
  h.slack.succeeded('views.publish').filter((c) => c.args.user_id === user).length;
const opened = (user: string) => ({ type: 'app_home_opened', user, channel: `D${user.slice(1)}`, tab: 'home' });

describe('the Home tab', () => {
  const h = useBot({ clock: true, settings: `comms:\n  rotation: [${BOB.id}]\n` });

  it('lists the open incidents the viewer may see, with severity, status, commander and channel', async () => {
    const { incident: outage, channel } = await declared(h, 'Checkout down sev1', BOB.id);
    const { incident: secret } = await declared(h, '--private Leaked keys sev2', CAROL.id);

    expect((await h.bot.event(opened(ALICE.id))).status).toBe(200);
    const alice = await eventually(() => homeOf(h, ALICE.id), 10_000, "Alice's Home tab");
    expect(alice.type).toBe('home');
    const text = JSON.stringify(alice.blocks);
    expect(text).toContain(`#${outage.id}`);
    expect(text).toContain('Checkout down');
    expect(text).toContain('SEV1');
    expect(text).toContain('Investigating');
    expect(text).toContain(`<@${BOB.id}>`);
    expect(text).toContain(`<#${channel}>`);
    // Alice is none of the private incident's people: she does not see it, not even its title.
    expect(text).not.toContain('Leaked keys');
    expect(text).not.toContain(`#${secret.id}`);

    await h.bot.event(opened(CAROL.id));
    const carol = JSON.stringify((await eventually(() => homeOf(h, CAROL.id))).blocks);
    expect(carol).toContain('Leaked keys');
    expect(carol).toContain(':lock:');
    expect(carol).toContain('Checkout down');
  });

  it('says so when nothing is open', async () => {
    await h.bot.event(opened(ALICE.id));
    expect(JSON.stringify((await eventually(() => homeOf(h, ALICE.id))).blocks)).toContain('No open incidents');
  });

  it('has a Declare incident button that opens the declare form', async () => {
    await h.bot.event(opened(ALICE.id));
    const home = await eventually(() => homeOf(h, ALICE.id));
    expect(JSON.stringify(home.blocks)).toContain('"action_id":"home_declare"');
    const res = await h.bot.slack(viewActionBody({ actionId: 'home_declare', user: ALICE.id, viewId: 'VHOME0001' }));
    expect(res.status).toBe(200);
    const form = await eventually(() => h.slack.succeeded('views.open').at(-1));
    expect(JSON.parse(String(form.args.view))).toMatchObject({ callback_id: 'incident_declare' });
  });

  it('is refreshed for people who opened it when incidents change, one refresh per person for a burst', async () => {
    await h.bot.event(opened(ALICE.id));
    await eventually(() => homeOf(h, ALICE.id));
    const before = publishesFor(h, ALICE.id);

    // A burst of changes at one moment: a declare, its acknowledgement and a new severity.
    const { incident } = await declared(h, 'Search slow sev3', BOB.id);
    await h.bot.command(`ack`, { user: BOB.id, channel: incident.channelId! });
    await h.bot.command(`sev sev2`, { user: BOB.id, channel: incident.channelId! });
    await settled(h.bot.app, () => h.clock.now);
    expect(publishesFor(h, ALICE.id)).toBe(before);

    h.clock.now += 5_000;
    h.bot.app.worker.notify();
    const home = await eventually(
      () => JSON.stringify(homeOf(h, ALICE.id)?.blocks).includes('Search slow') && homeOf(h, ALICE.id),
      10_000,
      'the refreshed Home tab',
    );
    expect(JSON.stringify(home.blocks)).toContain('SEV2');
    expect(JSON.stringify(home.blocks)).toContain('Investigating, acknowledged');
    await settled(h.bot.app, () => h.clock.now);
    expect(publishesFor(h, ALICE.id)).toBe(before + 1);
    // Bob never opened the tab: nothing is published for him.
    expect(publishesFor(h, BOB.id)).toBe(0);

    // A new status posted with an update is drawn too; a note, or an update that keeps the status, changes
    // nothing it shows, and redraws nothing.
    await h.bot.command('note Checking the search cluster', { user: BOB.id, channel: incident.channelId! });
    await h.bot.command('update investigating Still looking', { user: BOB.id, channel: incident.channelId! });
    h.clock.now += 5_000;
    h.bot.app.worker.notify();
    await settled(h.bot.app, () => h.clock.now);
    expect(publishesFor(h, ALICE.id)).toBe(before + 1);
    await h.bot.command('update identified Index rebuild found', { user: BOB.id, channel: incident.channelId! });
    h.clock.now += 5_000;
    h.bot.app.worker.notify();
    await eventually(
      () => JSON.stringify(homeOf(h, ALICE.id)?.blocks).includes('Identified'),
      10_000,
      'the Home tab after the update',
    );
    await settled(h.bot.app, () => h.clock.now);
    expect(publishesFor(h, ALICE.id)).toBe(before + 2);
  });
});
