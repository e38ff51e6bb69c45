import { describe, expect, it } from 'vitest';
import { ALICE, BOB, PD_ALICE, eventually, settled, useBot } from '../helpers/test-bot.ts';

describe('private incidents from the declare form', () => {
  const h = useBot();

  it('the form has a Private box; ticking it opens a private channel', async () => {
    await h.bot.command('declare', { user: ALICE.id });
    const call = await eventually(() => h.slack.succeeded('views.open').at(-1));
    const view = JSON.parse(String(call.args.view)) as { private_metadata: string; blocks: { block_id?: string }[] };
    expect(view.blocks.map((b) => b.block_id)).toContain('private');

    const values = (isPrivate: boolean, title: string) => ({
      title: { value: { type: 'plain_text_input', value: title } },
      severity: { value: { type: 'static_select', selected_option: { value: 'sev2' } } },
      private: {
        value: {
          type: 'checkboxes',
          selected_options: isPrivate ? [{ value: 'private', text: { type: 'plain_text', text: 'Private' } }] : [],
        },
      },
    });
    await h.bot.submit('incident_declare', values(true, 'Stolen laptop'), {
      user: ALICE.id,
      privateMetadata: view.private_metadata,
    });
    await h.bot.submit('incident_declare', values(false, 'Slow search'), {
      user: BOB.id,
      privateMetadata: view.private_metadata,
    });
    const byTitle = (t: string) =>
      eventually(() => {
        const i = h.bot.app.incidents.listOpen().find((x) => x.title === t);
        return i?.channelId ? i : undefined;
      });
    const secret = await byTitle('Stolen laptop');
    const open = await byTitle('Slow search');
    await settled(h.bot.app);
    expect(secret.private).toBe(true);
    expect(h.slack.ws.channels.get(secret.channelId!)!.is_private).toBe(true);
    expect(open.private).toBe(false);
    expect(h.slack.ws.channels.get(open.channelId!)!.is_private).toBe(false);
  });
});

describe('pages from a service in pagerduty.private_services', () => {
  const h = useBot({ pagerduty: true, settings: 'pagerduty:\n  private_services: [PSVC001]\n' });

  it('open a private channel', async () => {
    const page = h.pd.createIncident({ title: 'Impossible travel login', assignees: [PD_ALICE], priority: 'P1' });
    expect((await h.pd.trigger(page)).status).toBe(202);
    const incident = await eventually(() => {
      const i = h.bot.app.incidents.listOpen().find((x) => x.title.includes('Impossible travel'));
      return i?.channelId ? i : undefined;
    });
    await settled(h.bot.app);
    expect(incident.private).toBe(true);
    expect(h.slack.ws.channels.get(incident.channelId!)).toMatchObject({ is_private: true });
    // Hidden from someone who is none of its people.
    const list = await h.bot.command('list', { user: BOB.id });
    expect((list.body as { text: string }).text).not.toContain('Impossible travel');
  });
});
