import { describe, expect, it } from 'vitest';
import { BOB, CAROL, declared, settled, startTestBot, useBot, type Harness } from '../helpers/test-bot.ts';

const MIN = 60_000;
const reminders = (h: Harness, channel: string, prefix: string) =>
  h.slack.ws
    .channelMessages(channel)
    .filter((m) => m.text.startsWith(prefix))
    .map((m) => m.text);

describe('the update cadence', () => {
  const h = useBot({ clock: true, settings: `comms:\n  rotation: [${BOB.id}]\n` });
  const tick = async (at: number) => {
    h.clock.now = at;
    const sent = h.bot.app.incidents.sendReminders();
    await settled(h.bot.app, () => h.clock.now);
    return sent;
  };

  it('reminds the comms lead once per overdue interval, across a restart, and stops when resolved', async () => {
    const t0 = h.clock.now;
    const { channel } = await declared(h, 'Checkout errors sev1'); // SEV1: an update every 15 minutes
    expect(await tick(t0 + 14 * MIN)).toBe(0);
    expect(await tick(t0 + 15 * MIN)).toBe(1);
    expect(await tick(t0 + 15 * MIN)).toBe(0); // the same tick again (e.g. a second process) posts nothing
    expect(await tick(t0 + 29 * MIN)).toBe(0);

    // Restart in the middle: the due time comes from the database.
    await h.bot.app.stop(0);
    h.bot = await startTestBot(h.slack, h.dbPath, {
      now: () => h.clock.now,
      env: { CONFIG_PATH: h.bot.config.configPath },
    });
    expect(await tick(t0 + 31 * MIN)).toBe(1);
    expect(await tick(t0 + 44 * MIN)).toBe(0);

    // An update resets the clock: next due 15 minutes after it.
    h.clock.now = t0 + 35 * MIN;
    await h.bot.command('update identified Rolling back', { channel, user: BOB.id });
    expect(await tick(t0 + 46 * MIN)).toBe(0);
    expect(await tick(t0 + 50 * MIN)).toBe(1);

    // A bot that was down for three intervals reminds once, not three times.
    expect(await tick(t0 + 96 * MIN)).toBe(1);
    expect(await tick(t0 + 100 * MIN)).toBe(0);

    await h.bot.command('resolve', { channel });
    expect(await tick(t0 + 300 * MIN)).toBe(0);

    const posted = reminders(h, channel, ':alarm_clock:');
    expect(posted).toHaveLength(4);
    expect(posted[0]).toBe(
      `:alarm_clock: <@${BOB.id}>, an update is due — the last one was 15 min ago. Post one with \`/incident update <investigating|identified|monitoring> <message>\`.`,
    );
  });

  it('follows a severity change to the new cadence', async () => {
    const t0 = h.clock.now;
    const { channel } = await declared(h, 'Slow search sev3'); // every 60 minutes
    h.clock.now = t0 + 10 * MIN;
    await h.bot.command('sev 1', { channel });
    expect(await tick(t0 + 14 * MIN)).toBe(0);
    expect(await tick(t0 + 15 * MIN)).toBe(1);
  });
});

describe('a vacant comms lead role', () => {
  const h = useBot({ clock: true });

  it('is called out every few minutes until someone takes it', async () => {
    const t0 = h.clock.now;
    const { channel } = await declared(h, 'Nobody on comms sev3');
    const tick = async (at: number) => {
      h.clock.now = at;
      h.bot.app.incidents.sendReminders();
      await settled(h.bot.app, () => h.clock.now);
    };
    await tick(t0 + 4 * MIN);
    await tick(t0 + 5 * MIN);
    await tick(t0 + 7 * MIN);
    await tick(t0 + 10 * MIN);
    expect(reminders(h, channel, ':loudspeaker:')).toEqual([
      ':loudspeaker: Nobody is comms lead for this incident. Take it with `/incident role comms @you`.',
      ':loudspeaker: Nobody is comms lead for this incident. Take it with `/incident role comms @you`.',
    ]);
    await h.bot.command(`role comms <@${CAROL.id}>`, { channel });
    await tick(t0 + 30 * MIN);
    expect(reminders(h, channel, ':loudspeaker:')).toHaveLength(2);
  });
});
