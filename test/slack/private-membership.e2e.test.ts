import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

/** The Home tab Slack shows a person: the last view published for them, as text. */
const homeOf = (h: Harness, user: string) => {
  const tab = h.slack.ws.homeTabs.get(user);
  return tab ? JSON.stringify(tab.view) : undefined;
};
/** Every Home tab ever published for a person. */
const everyHomeOf = (h: Harness, user: string) =>
  h.slack
    .succeeded('views.publish')
    .filter((c) => c.args.user_id === user)
    .map((c) => String(c.args.view));
const listed = async (h: Harness, user: string) =>
  ((await h.bot.command('list', { user, channel: 'C0GENERAL' })).body as { text: string }).text;

describe('a private incident is shown to the people in its channel', () => {
  const h = useBot({ clock: true });

  /** Lets the coalescing window of Home tab refreshes close, and waits for what it delivers. */
  const refreshWindowPasses = async () => {
    h.clock.now += 5_000;
    h.bot.app.worker.notify();
    await settled(h.bot.app, () => h.clock.now);
  };
  /** Slack's event for a membership change has been sent to the bot and answered. */
  const told = (type: string, user: string, channel: string) =>
    h.slack.eventSettled((e) => e.event.type === type && e.event.user === user && e.event.channel === channel);

  it('a member with no role sees it on their Home tab and in /incident list; after leaving, no longer', async () => {
    const { incident, channel } = await declared(h, '--private Leaked signing keys sev2', CAROL.id);
    expect(h.bot.app.incidents.roles(incident.id).map((r) => r.userId)).not.toContain(BOB.id);
    const room = h.slack.ws.channels.get(channel)!;

    // Bob and Alice look at the app's Home tab: neither is in the room, neither sees it.
    for (const user of [BOB.id, ALICE.id]) h.slack.ws.openHome(user);
    await eventually(() => homeOf(h, BOB.id) && homeOf(h, ALICE.id), 10_000, 'both Home tabs');
    expect(homeOf(h, BOB.id)).not.toContain('Leaked signing keys');
    expect(await listed(h, BOB.id)).not.toContain('Leaked signing keys');

    // Carol adds Bob to the channel; Slack tells the bot, which redraws Bob's Home tab.
    h.slack.ws.join(room, BOB.id, CAROL.id);
    await told('member_joined_channel', BOB.id, channel);
    await refreshWindowPasses();
    const bobs = await eventually(
      () => homeOf(h, BOB.id)?.includes('Leaked signing keys') && homeOf(h, BOB.id),
      10_000,
      "Bob's refreshed Home tab",
    );
    expect(bobs).toContain(':lock:');
    expect(bobs).toContain(`#${incident.id}`);
    expect(await listed(h, BOB.id)).toContain('Leaked signing keys');

    // Bob leaves: it is gone from his Home tab and his list.
    h.slack.ws.leave(room, BOB.id);
    await told('member_left_channel', BOB.id, channel);
    await refreshWindowPasses();
    await eventually(() => !homeOf(h, BOB.id)?.includes('Leaked signing keys'), 10_000, "Bob's Home tab without it");
    expect(await listed(h, BOB.id)).not.toContain('Leaked signing keys');

    // Alice was never in it: no Home tab of hers ever named it, and her list does not.
    expect(everyHomeOf(h, ALICE.id).length).toBeGreaterThan(0);
    expect(everyHomeOf(h, ALICE.id).join('\n')).not.toContain('Leaked signing keys');
    expect(await listed(h, ALICE.id)).not.toContain('Leaked signing keys');
  });

  it('someone the bot invited keeps seeing it after handing their role on, without waiting for Slack’s event', async () => {
    // Slack's events are held back here: what the bot knows of the room comes from its own invites.
    h.slack.events.requestUrl = undefined;
    const { incident, channel } = await declared(h, `--private Token in a public gist sev3 <@${BOB.id}>`, CAROL.id);
    expect(h.slack.ws.channels.get(channel)!.members.has(BOB.id)).toBe(true);
    await h.bot.command(`role commander <@${CAROL.id}>`, { user: CAROL.id, channel });
    await settled(h.bot.app, () => h.clock.now);
    expect(h.bot.app.incidents.roles(incident.id).map((r) => r.userId)).not.toContain(BOB.id);
    expect(await listed(h, BOB.id)).toContain('Token in a public gist');
    expect(await listed(h, ALICE.id)).not.toContain('Token in a public gist');
  });

  it('a join told late, after the leave that followed it, does not bring the member back', async () => {
    const { channel } = await declared(h, '--private Odd sudo use sev3', CAROL.id);
    const room = h.slack.ws.channels.get(channel)!;
    h.slack.ws.join(room, BOB.id, CAROL.id);
    await told('member_joined_channel', BOB.id, channel);
    const joined = h.slack.events.sent.find(
      (e) => e.event.type === 'member_joined_channel' && e.event.user === BOB.id,
    )!;
    h.slack.ws.leave(room, BOB.id);
    await told('member_left_channel', BOB.id, channel);
    expect(await listed(h, BOB.id)).not.toContain('Odd sudo use');

    // The join again, late (an older event, retried by Slack with a new id): Bob stays out.
    const late = { ...joined.event, event_ts: String(Date.now() / 1000 - 10) };
    expect((await h.bot.event(late)).status).toBe(200);
    expect(await listed(h, BOB.id)).not.toContain('Odd sudo use');
  });
});
