import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import { MANIFEST_PATH } from '../../src/sandbox/fake-slack/scopes.ts';
import { globalShortcutBody, messageShortcutBody } from '../../src/sandbox/slack-payloads.ts';
import { SHORTCUT } from '../../src/slack/register-shortcuts.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot } from '../helpers/test-bot.ts';

const GENERAL = 'C0GENERAL';

describe('shortcuts', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}]\n` });
  const timeline = (id: number) =>
    (
      h.bot.app.db
        .prepare("SELECT kind, actor, body, data FROM timeline_events WHERE incident_id = ? AND kind LIKE 'message_%'")
        .all(id) as { kind: string; actor: string; body: string; data: string }[]
    ).map((r) => ({ ...r, data: JSON.parse(r.data) }));
  const lastForm = async (after = 0) => {
    const call = await eventually(() => h.slack.succeeded('views.open').slice(after).at(-1), 10_000, 'a form');
    return JSON.parse(String(call.args.view)) as {
      callback_id: string;
      private_metadata: string;
      blocks: { block_id?: string; element?: { initial_value?: string; options?: { value: string }[] } }[];
    };
  };
  /** A person's message in the general channel (the bot is not in it). */
  const generalMessage = (user: string, text: string) => {
    if (!h.slack.ws.channels.has(GENERAL)) {
      h.slack.ws.channels.set(GENERAL, {
        id: GENERAL,
        name: 'general',
        created: 1,
        creator: ALICE.id,
        is_private: false,
        is_archived: false,
        topic: '',
        members: new Set([ALICE.id, BOB.id, CAROL.id]),
      });
    }
    return h.slack.ws.postAs(user, GENERAL, text);
  };
  const shortcut = (callbackId: string, user: string, channel: string, m: { ts: string; text: string; user: string }) =>
    h.bot.slack(messageShortcutBody({ callbackId, user, channel, message: m }));

  it('the manifest declares exactly the shortcuts the bot answers', () => {
    const manifest = parse(readFileSync(MANIFEST_PATH, 'utf8')) as {
      features: { shortcuts: { type: string; callback_id: string }[] };
    };
    expect(manifest.features.shortcuts.map((s) => [s.type, s.callback_id])).toEqual([
      ['global', SHORTCUT.declare],
      ['message', SHORTCUT.declareFromMessage],
      ['message', SHORTCUT.addToTimeline],
    ]);
  });

  it('the global shortcut "Declare incident" opens the declare form', async () => {
    const res = await h.bot.slack(globalShortcutBody({ callbackId: 'declare_incident', user: ALICE.id }));
    expect(res.status).toBe(200);
    expect((await lastForm()).callback_id).toBe('incident_declare');
  });

  it('"Declare incident from this message" prefills the form with the message quoted; the message is linked and quoted on the timeline', async () => {
    const m = generalMessage(BOB.id, 'Checkout returns 500s for everyone in EU');
    expect((await shortcut('declare_from_message', ALICE.id, GENERAL, m)).status).toBe(200);
    const form = await lastForm();
    expect(form.callback_id).toBe('incident_declare');
    expect(form.blocks.find((b) => b.block_id === 'description')!.element!.initial_value).toBe(
      '> Checkout returns 500s for everyone in EU',
    );

    const res = await h.bot.submit(
      'incident_declare',
      {
        title: { value: { type: 'plain_text_input', value: 'EU checkout errors' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'sev2' } } },
        description: { value: { type: 'plain_text_input', value: '> Checkout returns 500s for everyone in EU' } },
      },
      { user: ALICE.id, privateMetadata: form.private_metadata },
    );
    expect(res).toMatchObject({ status: 200, text: '' });
    const incident = await eventually(() =>
      h.bot.app.incidents.listOpen().find((i) => i.title === 'EU checkout errors'),
    );
    await eventually(() => timeline(incident.id).length === 1, 10_000, 'the quoted message');
    await settled(h.bot.app);
    expect(timeline(incident.id)).toEqual([
      {
        kind: 'message_quoted',
        actor: ALICE.id,
        body: 'Checkout returns 500s for everyone in EU',
        data: {
          author: BOB.id,
          ts: m.ts,
          permalink: `https://fake.slack.test/archives/${GENERAL}/p${m.ts.replace('.', '')}`,
        },
      },
    ]);
    expect(h.slack.succeeded('chat.getPermalink').some((c) => c.args.channel === GENERAL)).toBe(true);
  });

  it('opens the form for a message whose quote would be long once encoded (quotes and line breaks), cut to fit', async () => {
    const m = generalMessage(BOB.id, '"\n'.repeat(1400));
    const before = h.slack.succeeded('views.open').length;
    expect((await shortcut('declare_from_message', ALICE.id, GENERAL, m)).status).toBe(200);
    const form = await lastForm(before);
    expect(form.callback_id).toBe('incident_declare');
    expect(form.private_metadata.length).toBeLessThanOrEqual(3000);
  });

  it('"Add to incident timeline" in an incident channel adds the message at once and says so', async () => {
    const { incident, channel } = await declared(h, 'Search slow');
    const m = h.slack.ws.postAs(CAROL.id, channel, 'p99 latency is 4 s on search-3');
    expect((await shortcut('add_to_timeline', BOB.id, channel, m)).status).toBe(200);
    await eventually(() => timeline(incident.id).length === 1, 10_000, 'the added message');
    expect(timeline(incident.id)[0]).toMatchObject({
      kind: 'message_added',
      actor: BOB.id,
      body: 'p99 latency is 4 s on search-3',
      data: { author: CAROL.id, ts: m.ts },
    });
    await eventually(() =>
      h.slack.ws.ephemerals.some((e) => e.user === BOB.id && e.text.includes(`timeline of incident #${incident.id}`)),
    );
    expect(h.slack.succeeded('views.open')).toHaveLength(0);
  });

  it('"Add to incident timeline" elsewhere asks which open incident (only those the person may see)', async () => {
    const { incident } = await declared(h, 'Queue backlog', BOB.id);
    const { incident: secret } = await declared(h, '--private Leaked keys', CAROL.id);
    const m = generalMessage(BOB.id, 'Consumers stuck since 10:02');
    await shortcut('add_to_timeline', ALICE.id, GENERAL, m);
    const form = await lastForm();
    expect(form.callback_id).toBe('incident_pick');
    const options = form.blocks.find((b) => b.block_id === 'incident')!.element!.options!.map((o) => o.value);
    expect(options).toEqual([String(incident.id)]);
    expect(JSON.stringify(form)).not.toContain('Leaked keys');

    const pick = (id: number, user: string, metadata: string) =>
      h.bot.submit(
        'incident_pick',
        { incident: { value: { type: 'static_select', selected_option: { value: String(id) } } } },
        { user, privateMetadata: metadata },
      );
    // A forged choice of the private incident is refused by the domain, and nothing is recorded.
    const refused = await pick(secret.id, ALICE.id, form.private_metadata);
    expect(JSON.parse(refused.text)).toMatchObject({
      response_action: 'errors',
      errors: { incident: expect.any(String) },
    });
    expect((await pick(incident.id, ALICE.id, form.private_metadata)).status).toBe(200);
    await eventually(() => timeline(incident.id).length === 1, 10_000, 'the picked incident timeline');
    await settled(h.bot.app);
    expect(timeline(incident.id)[0]).toMatchObject({
      kind: 'message_added',
      actor: ALICE.id,
      body: 'Consumers stuck since 10:02',
      data: { author: BOB.id, ts: m.ts, permalink: expect.stringContaining(GENERAL) },
    });
    expect(timeline(secret.id)).toEqual([]);
  });
});
