import { describe, expect, it } from 'vitest';
import { ALICE, BOB, declared, useBot } from '../helpers/test-bot.ts';

/** Slash commands padded to 100 kB where a backtracking pattern used to spend seconds (6.5 s at 40 kB). */
describe('100 kB of padding in a command', () => {
  const h = useBot();

  it('declare: the title is read and the trailing @mention still names the commander', async () => {
    const { incident } = await declared(
      h,
      `Checkout down${' '.repeat(100_000)}sev2 <@${BOB.id}|bob>${' '.repeat(100)}`,
      ALICE.id,
    );
    expect(incident).toMatchObject({ title: 'Checkout down', severity: 'sev2' });
    expect(h.bot.app.incidents.roles(incident.id).find((r) => r.role === 'commander')?.userId).toBe(BOB.id);
  });

  it('declare and followup without a trailing mention', async () => {
    const { incident, channel } = await declared(h, `Checkout down${' '.repeat(100_000)}x sev3`, ALICE.id);
    expect(incident.title).toBe('Checkout down x');
    const res = await h.bot.command(`followup Add an alert${' '.repeat(100_000)}!`, { channel });
    // Read to the end and refused for its length, with the length: a clear answer, not a stuck bot.
    expect((res.body as { text: string }).text).toBe('A follow-up has at most 3,000 characters.');
  });
});
