import { describe, expect, it } from 'vitest';
import { ALICE, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `status_page:
  name: Acme Status
  maintenance: [${ALICE.id}]
components:
  - { id: api, name: API }
  - { id: web, name: Website }
`;
const HOUR = 3_600_000;
const minute = (ms: number) => Math.ceil(ms / 60_000) * 60_000;
const stamp = (ms: number) => `${new Date(ms).toISOString().slice(0, 16)}Z`;
const channelNamed = (h: Harness, name: string) => [...h.slack.ws.channels.values()].find((c) => c.name === name);
const texts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);

describe('a maintenance window’s Slack channel', () => {
  const h = useBot({ settings: SETTINGS, clock: true });

  it('is not opened unless asked for', async () => {
    const start = minute(h.clock.now + HOUR);
    await h.bot.command(`maintenance schedule ${stamp(start)} 2h api Database upgrade.`, { user: ALICE.id });
    h.clock.now = start + 60_000;
    h.bot.app.maintenances.advance();
    await settled(h.bot.app, () => h.clock.now);
    expect(h.bot.app.maintenances.list()).toMatchObject([{ id: 1, status: 'in_progress', channelId: null }]);
    expect(h.slack.succeeded('conversations.create')).toEqual([]);
    expect(h.slack.succeeded('chat.postMessage')).toEqual([]);
  });

  it('with --channel is opened as maint-<id>-<slug>, with the scheduler, a summary and every step', async () => {
    const start = minute(h.clock.now + HOUR);
    const reply = await h.bot.command(
      `maintenance schedule ${stamp(start)} 2h api,web --channel Database upgrade. Brief API errors possible.`,
      { user: ALICE.id },
    );
    expect((reply.body as { text: string }).text).toMatch(/^Scheduled maintenance \*#1\* “Database upgrade\.”/);
    await settled(h.bot.app, () => h.clock.now);
    const channel = await eventually(() => channelNamed(h, 'maint-1-database-upgrade'));
    expect(h.bot.app.maintenances.list()[0]!.channelId).toBe(channel.id);
    expect(channel.members.has(ALICE.id)).toBe(true);
    // The flag is not part of what customers read.
    expect(h.bot.app.maintenances.list()[0]).toMatchObject({ name: 'Database upgrade.', components: ['api', 'web'] });
    const [opening] = texts(h, channel.id);
    expect(opening).toContain(':wrench: *Maintenance #1: Database upgrade.* is scheduled');
    expect(opening).toContain('Components: API, Website');
    expect(opening).toContain(`Scheduled by <@${ALICE.id}>`);
    expect(opening).toContain('>Database upgrade. Brief API errors possible.');

    h.clock.now = start + 60_000;
    h.bot.app.maintenances.advance();
    await settled(h.bot.app, () => h.clock.now);
    h.clock.now = start + 2 * HOUR + 16 * 60_000;
    h.bot.app.maintenances.advance();
    await settled(h.bot.app, () => h.clock.now);
    expect(texts(h, channel.id).slice(1)).toEqual([
      ':wrench: Maintenance #1 is *in progress*: its components show as under maintenance.\n' +
        '>Scheduled maintenance is currently in progress. We will provide updates as necessary.',
      ':wrench: Maintenance #1 is being *verified*.\n>Verification is currently underway for the maintenance items.',
      ':wrench: Maintenance #1 is *completed*: its components are back to normal.\n' +
        '>The scheduled maintenance has been completed.',
    ]);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
  });

  it('the form’s box asks for it too', async () => {
    const start = minute(h.clock.now + HOUR);
    const res = await h.bot.submit(
      'maintenance_schedule',
      {
        start: { value: { type: 'plain_text_input', value: stamp(start) } },
        end: { value: { type: 'plain_text_input', value: '30m' } },
        message: { value: { type: 'plain_text_input', value: 'Cache node swap.' } },
        channel: { value: { type: 'checkboxes', selected_options: [{ value: 'channel' }] } },
      },
      { user: ALICE.id, privateMetadata: JSON.stringify({ channel: '' }) },
    );
    expect(res).toMatchObject({ status: 200, text: '' });
    await settled(h.bot.app, () => h.clock.now);
    const channel = await eventually(() => channelNamed(h, 'maint-1-cache-node-swap'));
    expect(texts(h, channel.id)[0]).toContain('*Maintenance #1: Cache node swap.* is scheduled');
  });
});
