import { describe, expect, it } from 'vitest';
import { blockActionBody } from '../../src/sandbox/slack-payloads.ts';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot } from '../helpers/test-bot.ts';

describe('buttons on the pinned summary, and the modals', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}]\n` });
  const ephemeralsFor = (user: string) => h.slack.ws.ephemerals.filter((e) => e.user === user).map((e) => e.text);

  it('the summary carries Acknowledge, Post update and a Resolve that asks first', async () => {
    const { incident, channel } = await declared(h, 'Buttons sev2');
    const blocks = h.slack.ws.message(channel, incident.summaryTs!)!.blocks as {
      type: string;
      elements?: Record<string, unknown>[];
    }[];
    const actions = blocks.find((b) => b.type === 'actions')!.elements!;
    expect(actions.map((a) => a.action_id)).toEqual(['incident_ack', 'incident_update', 'incident_resolve']);
    expect(actions[2]).toMatchObject({
      style: 'danger',
      confirm: { confirm: { text: 'Resolve' }, deny: { text: 'Cancel' } },
    });
  });

  it('Acknowledge does what /incident ack does, and the button then goes away', async () => {
    const { incident, channel } = await declared(h, 'Ack button');
    const res = await h.bot.click('incident_ack', String(incident.id), { user: BOB.id, channel });
    expect(res.status).toBe(200);
    await eventually(() => ephemeralsFor(BOB.id).includes(`Acknowledged incident #${incident.id}.`));
    await settled(h.bot.app);
    expect(h.bot.app.incidents.get(incident.id)!.acknowledgedAt).not.toBeNull();
    expect(h.slack.ws.channelMessages(channel).map((m) => m.text)).toContain(`:eyes: Acknowledged by <@${BOB.id}>.`);
    expect(JSON.stringify(h.slack.ws.message(channel, incident.summaryTs!)!.blocks)).not.toContain('incident_ack');
    await h.bot.click('incident_ack', String(incident.id), { user: CAROL.id, channel });
    await eventually(() => ephemeralsFor(CAROL.id).includes(`Incident #${incident.id} was already acknowledged.`));
  });

  it('Post update opens the update form; submitting it posts the update', async () => {
    const { incident, channel } = await declared(h, 'Update button');
    await h.bot.click('incident_update', String(incident.id), { user: BOB.id, channel });
    const opened = await eventually(() => h.slack.succeeded('views.open').at(-1));
    const view = JSON.parse(String(opened.args.view));
    expect(view).toMatchObject({
      callback_id: 'incident_update',
      private_metadata: JSON.stringify({ incident: incident.id }),
    });

    const res = await h.bot.submit(
      'incident_update',
      {
        status: { value: { type: 'static_select', selected_option: { value: 'monitoring' } } },
        message: { value: { type: 'plain_text_input', value: 'Fix deployed, watching error rates' } },
      },
      { user: BOB.id, privateMetadata: view.private_metadata },
    );
    expect(res).toMatchObject({ status: 200, text: '' });
    await settled(h.bot.app);
    expect(h.bot.app.incidents.get(incident.id)!.status).toBe('monitoring');
    expect(h.slack.ws.channelMessages(channel).at(-1)!.text).toBe(
      `:mega: *Update — Monitoring* (from <@${BOB.id}>)\nFix deployed, watching error rates`,
    );
  });

  it('an update form without a message stays open with the error under the field', async () => {
    const { incident } = await declared(h, 'Empty update');
    const res = await h.bot.submit(
      'incident_update',
      {
        status: { value: { type: 'static_select', selected_option: { value: 'identified' } } },
        message: { value: { type: 'plain_text_input', value: '   ' } },
      },
      { user: BOB.id, privateMetadata: JSON.stringify({ incident: incident.id }) },
    );
    expect(JSON.parse(res.text)).toEqual({
      response_action: 'errors',
      errors: { message: expect.stringMatching(/^An update needs a message/) },
    });
    expect(h.bot.app.incidents.updates(incident.id)).toEqual([]);
  });

  it('Resolve resolves (Slack asked for confirmation before sending the click)', async () => {
    const { incident, channel } = await declared(h, 'Resolve button');
    await h.bot.click('incident_resolve', String(incident.id), { user: ALICE.id, channel });
    await eventually(() => h.bot.app.incidents.get(incident.id)!.status === 'resolved');
    await eventually(() => ephemeralsFor(ALICE.id).includes(`Resolved incident #${incident.id}.`));
  });

  it('the declare form declares, with the chosen severity, description and commander', async () => {
    const res = await h.bot.submit(
      'incident_declare',
      {
        title: { value: { type: 'plain_text_input', value: '  Orders &amp; invoices stuck  ' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'sev2' } } },
        description: { value: { type: 'plain_text_input', value: 'Queue depth 40k and rising' } },
        commander: { value: { type: 'users_select', selected_user: CAROL.id } },
      },
      { user: ALICE.id, privateMetadata: JSON.stringify({ channel: 'C0GENERAL' }) },
    );
    expect(res).toMatchObject({ status: 200, text: '' });
    const incident = await eventually(() => h.bot.app.incidents.listOpen().find((i) => i.title.startsWith('Orders')));
    // Modal text arrives as typed (no Slack entity encoding): the title is kept literally.
    expect(incident).toMatchObject({
      title: 'Orders &amp; invoices stuck',
      severity: 'sev2',
      description: 'Queue depth 40k and rising',
      declaredBy: ALICE.id,
    });
    expect(h.bot.app.incidents.roles(incident.id).find((r) => r.role === 'commander')!.userId).toBe(CAROL.id);
  });

  it('the declare form with no title stays open and says why', async () => {
    const res = await h.bot.submit(
      'incident_declare',
      {
        title: { value: { type: 'plain_text_input', value: ' ' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'sev2' } } },
      },
      { user: ALICE.id },
    );
    expect(JSON.parse(res.text)).toMatchObject({
      response_action: 'errors',
      errors: { title: expect.stringMatching(/^Give the incident a title/) },
    });
    expect(h.bot.app.incidents.listOpen()).toEqual([]);
  });

  it('a button or form the bot has no handler for (an older version posted it) is acked, not left to time out as an error shown to the person, and changes nothing', async () => {
    const { incident, channel } = await declared(h, 'Stale button');
    await settled(h.bot.app);
    const before = h.bot.app.incidents.get(incident.id);
    expect(await h.bot.click('incident_page_again', String(incident.id), { user: BOB.id, channel })).toMatchObject({
      status: 200,
      text: '',
    });
    expect(await h.bot.submit('incident_old_form', {}, { user: BOB.id })).toMatchObject({ status: 200, text: '' });
    // Bolt hands a press to the listener of its first action: a known second one does not make it handled.
    const payload = JSON.parse(
      new URLSearchParams(blockActionBody({ actionId: 'incident_page_again', value: '1', user: BOB.id, channel })).get(
        'payload',
      )!,
    ) as { actions: Record<string, unknown>[] };
    payload.actions.push({ ...payload.actions[0], action_id: 'incident_ack' });
    const both = new URLSearchParams({ payload: JSON.stringify(payload) }).toString();
    expect(await h.bot.slack(both)).toMatchObject({ status: 200, text: '' });
    await settled(h.bot.app);
    expect(h.bot.app.incidents.get(incident.id)).toEqual(before);
  });
});
