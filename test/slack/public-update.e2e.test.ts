import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, declared, eventually, useBot } from '../helpers/test-bot.ts';

const SETTINGS = `components:\n  - { id: api, name: API }\n  - { id: web, name: Website }\ncomms:\n  rotation: [${BOB.id}]\n`;

describe('publishing from the update form', () => {
  const h = useBot({ settings: SETTINGS });
  const summary = async () =>
    (await (await fetch(`${h.bot.app.url}/api/v2/summary.json`)).json()) as {
      incidents: { incident_updates: { body: string }[] }[];
      components: { id: string; status: string }[];
    };
  const form = (message: string, publish: boolean) => ({
    status: { value: { type: 'static_select', selected_option: { value: 'identified' } } },
    message: { value: { type: 'plain_text_input', value: message } },
    components: { value: { type: 'multi_static_select', selected_options: [{ value: 'api' }] } },
    component_status: { value: { type: 'static_select', selected_option: { value: 'partial_outage' } } },
    public: { value: { type: 'checkboxes', selected_options: publish ? [{ value: 'public' }] : [] } },
  });

  it('offers components and a public checkbox, shows a preview, and publishes only from the preview', async () => {
    const { incident, channel } = await declared(h, 'API errors sev2', ALICE.id);
    await h.bot.command('update', { channel, user: BOB.id });
    const opened = JSON.parse(String((await eventually(() => h.slack.succeeded('views.open').at(-1))).args.view));
    expect(opened.blocks.map((b: { block_id?: string }) => b.block_id).filter(Boolean)).toEqual([
      'status',
      'message',
      'components',
      'component_status',
      'public',
    ]);

    const res = await h.bot.submit('incident_update', form('Elevated API errors in EU; mitigating.', true), {
      user: BOB.id,
      privateMetadata: opened.private_metadata,
    });
    const push = JSON.parse(res.text);
    expect(push).toMatchObject({
      response_action: 'push',
      view: { callback_id: 'incident_update_preview', submit: { text: 'Publish' } },
    });
    expect(JSON.stringify(push.view.blocks)).toContain('Identified — Elevated API errors in EU; mitigating.');
    expect(JSON.stringify(push.view.blocks)).toContain('API: Partial outage');
    expect((await summary()).incidents).toEqual([]); // nothing is public before Publish

    const published = await h.bot.submit(
      'incident_update_preview',
      {},
      { user: BOB.id, privateMetadata: push.view.private_metadata },
    );
    expect(JSON.parse(published.text)).toEqual({ response_action: 'clear' });
    const after = await summary();
    expect(after.incidents[0]!.incident_updates.map((u) => u.body)).toEqual(['Elevated API errors in EU; mitigating.']);
    expect(after.components.find((c) => c.id === 'api')!.status).toBe('partial_outage');
    expect(h.bot.app.incidents.get(incident.id)!.publicAt).not.toBeNull();
  });

  it('an unchecked box posts internally only, and someone without the role cannot publish', async () => {
    const { channel } = await declared(h, 'Web slow sev3', ALICE.id);
    await h.bot.command('update', { channel, user: BOB.id });
    const opened = JSON.parse(String((await eventually(() => h.slack.succeeded('views.open').at(-1))).args.view));
    expect(
      (
        await h.bot.submit('incident_update', form('internal only', false), {
          user: BOB.id,
          privateMetadata: opened.private_metadata,
        })
      ).text,
    ).toBe('');
    expect((await summary()).incidents).toEqual([]);
    const refused = JSON.parse(
      (
        await h.bot.submit('incident_update', form('try to publish', true), {
          user: CAROL.id,
          privateMetadata: opened.private_metadata,
        })
      ).text,
    );
    expect(refused).toMatchObject({
      response_action: 'errors',
      errors: { message: expect.stringMatching(/^Only the commander or the comms lead may publish/) },
    });
  });
});

describe('components chosen when declaring', () => {
  const h = useBot({ settings: SETTINGS });

  it('are offered in the declare form and shown once the incident is published', async () => {
    await h.bot.command('declare', { user: ALICE.id });
    const view = JSON.parse(String((await eventually(() => h.slack.succeeded('views.open').at(-1))).args.view));
    expect(view.blocks.map((b: { block_id?: string }) => b.block_id)).toEqual([
      'title',
      'severity',
      'description',
      'commander',
      'private',
      'components',
      'component_status',
    ]);
    await h.bot.submit(
      'incident_declare',
      {
        title: { value: { type: 'plain_text_input', value: 'Website down' } },
        severity: { value: { type: 'static_select', selected_option: { value: 'sev1' } } },
        components: { value: { type: 'multi_static_select', selected_options: [{ value: 'web' }] } },
        component_status: { value: { type: 'static_select', selected_option: { value: 'major_outage' } } },
      },
      { user: ALICE.id },
    );
    const incident = await eventually(() =>
      h.bot.app.incidents.listOpen()[0]?.channelId ? h.bot.app.incidents.listOpen()[0] : undefined,
    );
    const web = async () =>
      (await (await fetch(`${h.bot.app.url}/api/v2/components.json`)).json()).components.find(
        (c: { id: string }) => c.id === 'web',
      ).status;
    expect(await web()).toBe('operational'); // not public yet
    await h.bot.command('update investigating We are looking into it --public', {
      channel: incident.channelId!,
      user: ALICE.id,
    });
    expect(await web()).toBe('major_outage');
  });
});
