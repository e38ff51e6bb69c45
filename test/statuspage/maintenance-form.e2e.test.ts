import { describe, expect, it } from 'vitest';
import { ALICE, BOB, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

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
const text = (value: string) => ({ value: { type: 'plain_text_input', value } });
const replyText = (r: { body: unknown }) => (r.body as { text?: string }).text ?? '';

/** The form as Slack would send it back, filled in. */
const filled = (f: { start: string; end: string; message: string; components?: string[]; channel?: boolean }) => ({
  start: text(f.start),
  end: text(f.end),
  message: text(f.message),
  components: {
    value: { type: 'multi_static_select', selected_options: (f.components ?? []).map((value) => ({ value })) },
  },
  channel: {
    value: { type: 'checkboxes', selected_options: f.channel ? [{ value: 'channel' }] : [] },
  },
});

/** The channel the command was run in, with the bot in it (the confirmation is posted there). */
function general(h: Harness) {
  h.slack.ws.channels.set('C0GENERAL', {
    id: 'C0GENERAL',
    name: 'general',
    created: 1,
    creator: ALICE.id,
    is_private: false,
    is_archived: false,
    topic: '',
    members: new Set([ALICE.id, BOB.id, h.slack.ws.bot.id]),
  });
}

async function openForm(h: Harness) {
  general(h);
  const before = h.slack.succeeded('views.open').length;
  const reply = await h.bot.command('maintenance schedule', { user: ALICE.id });
  expect(reply.status).toBe(200);
  const opened = await eventually(() => h.slack.succeeded('views.open')[before]);
  return JSON.parse(String(opened.args.view));
}

describe('the maintenance form', () => {
  const h = useBot({ settings: SETTINGS, clock: true });

  it('opens with start, end, the settings’ components to pick, the message and a channel box', async () => {
    const view = await openForm(h);
    expect(view.callback_id).toBe('maintenance_schedule');
    expect(view.blocks.map((b: { block_id?: string }) => b.block_id)).toEqual([
      'start',
      'end',
      'components',
      'message',
      'channel',
    ]);
    const picker = view.blocks.find((b: { block_id?: string }) => b.block_id === 'components').element;
    expect(picker.type).toBe('multi_static_select');
    expect(picker.options.map((o: { value: string }) => o.value)).toEqual(['api', 'web']);
  });

  it('an end before the start stays open with the error under the end; a good one schedules', async () => {
    const view = await openForm(h);
    const start = minute(h.clock.now + HOUR);
    const bad = await h.bot.submit(
      'maintenance_schedule',
      filled({ start: stamp(start), end: stamp(start - HOUR), message: 'Database upgrade.', components: ['api'] }),
      { user: ALICE.id, privateMetadata: view.private_metadata },
    );
    expect(JSON.parse(bad.text)).toEqual({
      response_action: 'errors',
      errors: { end: 'A maintenance window must end after it starts.' },
    });
    expect(h.bot.app.maintenances!.list()).toEqual([]);

    const unreadable = await h.bot.submit(
      'maintenance_schedule',
      filled({ start: 'tomorrow', end: '2h', message: 'Database upgrade.' }),
      { user: ALICE.id, privateMetadata: view.private_metadata },
    );
    expect(Object.keys(JSON.parse(unreadable.text).errors)).toEqual(['start']);

    const empty = await h.bot.submit('maintenance_schedule', filled({ start: stamp(start), end: '2h', message: ' ' }), {
      user: ALICE.id,
      privateMetadata: view.private_metadata,
    });
    expect(JSON.parse(empty.text).errors).toEqual({ message: 'Say what the maintenance is.' });

    const good = await h.bot.submit(
      'maintenance_schedule',
      filled({ start: stamp(start), end: '2h', message: 'Database upgrade. Brief API errors.', components: ['api'] }),
      { user: ALICE.id, privateMetadata: view.private_metadata },
    );
    expect(good).toMatchObject({ status: 200, text: '' });
    await settled(h.bot.app);
    expect(h.bot.app.maintenances!.list()).toMatchObject([
      {
        id: 1,
        name: 'Database upgrade.',
        status: 'scheduled',
        scheduledFor: start,
        scheduledUntil: start + 2 * HOUR,
        components: ['api'],
        createdBy: ALICE.id,
      },
    ]);
    const told = await eventually(() => h.slack.succeeded('chat.postEphemeral').find((c) => c.args.user === ALICE.id));
    expect(String(told.args.text)).toMatch(/^Scheduled maintenance \*#1\* “Database upgrade\.”/);
  });

  it('is refused, like the command, to someone the settings do not name', async () => {
    const reply = await h.bot.command('maintenance schedule', { user: BOB.id });
    expect(replyText(reply)).toMatch(/You may not schedule maintenance/);
    expect(h.slack.succeeded('views.open')).toEqual([]);
    const submitted = await h.bot.submit(
      'maintenance_schedule',
      filled({ start: 'now', end: '2h', message: 'Sneaky maintenance.' }),
      { user: BOB.id, privateMetadata: JSON.stringify({ channel: 'C0GENERAL' }) },
    );
    expect(JSON.parse(submitted.text).errors.message).toMatch(/You may not schedule maintenance/);
    expect(h.bot.app.maintenances!.list()).toEqual([]);
  });
});
