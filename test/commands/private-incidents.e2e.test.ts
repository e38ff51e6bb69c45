import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, declared, settled, useBot } from '../helpers/test-bot.ts';

const text = (r: { body: unknown }) => (r.body as { text: string }).text;

describe('private incidents', () => {
  // Bob is comms lead: he may publish an ordinary incident, not a private one.
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}]\n` });

  it('/incident declare --private opens a private channel, staffed as usual', async () => {
    const { incident, channel } = await declared(h, '--private Leaked API keys sev1');
    expect(incident).toMatchObject({ title: 'Leaked API keys', severity: 'sev1', private: true });
    const room = h.slack.ws.channels.get(channel)!;
    expect(room).toMatchObject({ is_private: true });
    expect(room.name).not.toContain('private');
    expect(room.members.has(ALICE.id)).toBe(true);
    expect(h.slack.succeeded('conversations.create').at(-1)!.args.is_private).toBe('true');
  });

  it('is listed only to its people: hidden from others, shown inside its own channel', async () => {
    const { incident, channel } = await declared(h, 'Suspicious logins --private');
    await declared(h, 'Checkout slow');
    const listFor = async (user: string, where = 'C0GENERAL') =>
      text(await h.bot.command('list', { user, channel: where }));

    const carol = await listFor(CAROL.id);
    expect(carol).toContain('Checkout slow');
    expect(carol).not.toContain('Suspicious logins');
    expect(carol).toContain('1 open incident');

    const alice = await listFor(ALICE.id);
    expect(alice).toContain(`:lock: *#${incident.id}*`);
    expect(alice).toContain('2 open incidents');
    // Asking from inside the room: whoever is there is one of its people.
    expect(await listFor(CAROL.id, channel)).toContain('Suspicious logins');
  });

  it('reaches the status page only when the commander publishes with explicit confirmation', async () => {
    const { incident, channel } = await declared(h, 'Intrusion --private sev2');
    const publish = (user: string, flags: string) =>
      h.bot.command(`update investigating Looking into it --public ${flags}`, { user, channel });

    expect(text(await publish(ALICE.id, ''))).toMatch(
      /is private: nothing of it goes to the status page unless you confirm/,
    );
    expect(text(await publish(BOB.id, '--confirm-private'))).toMatch(
      /only its commander may put it on the status page/,
    );
    await settled(h.bot.app);
    expect(h.bot.app.incidents.get(incident.id)!.publicAt).toBeNull();
    expect(h.bot.app.incidents.updates(incident.id)).toEqual([]);

    expect(text(await publish(ALICE.id, '--confirm-private'))).toMatch(/on the status page now/);
    expect(h.bot.app.incidents.get(incident.id)!.publicAt).not.toBeNull();
  });
});
