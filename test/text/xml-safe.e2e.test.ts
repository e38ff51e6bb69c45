import { actorOf } from '../../src/incidents/permissions.ts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { noteData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { ALICE, BOB, declared, eventually, useBot, type Harness } from '../helpers/test-bot.ts';

const SETTINGS = `components:\n  - { id: api, name: API }\ncomms:\n  rotation: [${BOB.id}]\n`;
/** Every kind of character XML 1.0 forbids: C0 controls, U+FFFE, U+FFFF, a lone high and a lone low surrogate. */
const BAD = '\u0001\u0008\u000B\u001F\uFFFE\uFFFF\uDC00\uD800';
// A form-encoded slash command cannot carry a lone surrogate (encoding makes it U+FFFD); JSON can.
const BAD_IN_FORM = '\u0001\u0008\u000B\u001F\uFFFE\uFFFF';
// eslint-disable-next-line no-control-regex
const FORBIDDEN = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|\p{Cs}/u;
const dirty = (text: string, bad = BAD) =>
  text
    .split(' ')
    .map((word) => `${word}${bad}`)
    .join(' ');
const clean = (value: unknown) => {
  JSON.parse(JSON.stringify(value), (_key, v: unknown) => {
    if (typeof v === 'string') expect(FORBIDDEN.test(v), JSON.stringify(v)).toBe(false);
    return v;
  });
};

const feed = async (h: Harness) => {
  const text = await (await fetch(`${h.bot.app.url}/status/history.atom`)).text();
  expect(XMLValidator.validate(text)).toBe(true);
  // fast-xml-parser reads U+FFFF without complaint; a strict reader (a browser's, a feed reader's) refuses the feed.
  expect(FORBIDDEN.test(text)).toBe(false);
  return new XMLParser({ ignoreAttributes: false }).parse(text) as {
    feed: {
      entry?: { title: string; content: { '#text': string } } | { title: string; content: { '#text': string } }[];
    };
  };
};
const entries = (parsed: Awaited<ReturnType<typeof feed>>) => [parsed.feed.entry ?? []].flat();

describe('characters XML forbids', () => {
  const h = useBot({ settings: SETTINGS, pagerduty: true });

  it('are removed from a public update posted with /incident update, and the Atom feed stays XML', async () => {
    const { incident, channel } = await declared(h, `${dirty('Checkout is down', BAD_IN_FORM)} sev1`, ALICE.id);
    const res = await h.bot.command(
      `update identified ${dirty('A bad deploy broke card payments', BAD_IN_FORM)} --public`,
      { channel, user: BOB.id },
    );
    expect((res.body as { text: string }).text).toMatch(/^Published/);
    const stored = h.bot.app.incidents.updates(incident.id)[0]!;
    expect(stored.body).toBe('A bad deploy broke card payments');
    expect(h.bot.app.incidents.get(incident.id)!.title).toBe('Checkout is down');
    const [entry] = entries(await feed(h));
    expect(entry!.title).toBe('Checkout is down — Identified');
    expect(entry!.content['#text']).toBe('A bad deploy broke card payments');
  });

  it('a bad character stored before this release does not break the feed', async () => {
    // Straight into the domain, as older versions stored it, past today's edges.
    const incident = h.bot.app.incidents.declare({
      title: 'Old \uFFFF title',
      severity: 'sev2',
      declaredBy: ALICE.id,
      source: 'slack',
    });
    h.bot.app.incidents.postUpdate(incident.id, 'investigating', 'Stored \uFFFF long ago \u0001', actorOf(ALICE.id), {
      public: true,
    });
    const [entry] = entries(await feed(h));
    expect(entry!.title).toBe('Old  title — Investigating');
    expect(entry!.content['#text']).toBe('Stored  long ago');
  });

  it('are removed from form values', async () => {
    const { incident, channel } = await declared(h, 'Web slow sev3', ALICE.id);
    await h.bot.command('update', { channel, user: BOB.id });
    const opened = JSON.parse(String((await eventually(() => h.slack.succeeded('views.open').at(-1))).args.view));
    const values = {
      status: { value: { type: 'static_select', selected_option: { value: 'identified' } } },
      message: { value: { type: 'plain_text_input', value: dirty('Cache node restarted') } },
      public: { value: { type: 'checkboxes', selected_options: [] } },
    };
    expect(
      (await h.bot.submit('incident_update', values, { user: BOB.id, privateMetadata: opened.private_metadata })).text,
    ).toBe('');
    expect(h.bot.app.incidents.updates(incident.id)[0]!.body).toBe('Cache node restarted');
  });

  it('are removed from what PagerDuty sends: titles, service names, notes', async () => {
    const page = h.pd.createIncident({
      title: dirty('Disk full on db-7'),
      service: { id: 'PSVC9', name: dirty('Billing DB') },
    });
    expect((await h.pd.trigger(page)).status).toBe(202);
    expect(
      (await h.pd.send(webhookBody('incident.annotated', noteData(page, dirty('Freed 20 GB on db-7'))))).status,
    ).toBe(202);
    const row = h.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(page.id) as {
      incident_id: number;
    };
    const incident = h.bot.app.incidents.get(row.incident_id)!;
    expect(incident.title).toBe('Disk full on db-7');
    expect(incident.serviceName).toBe('Billing DB');
    const texts = h.bot.app.db
      .prepare('SELECT body, data FROM timeline_events WHERE incident_id = ?')
      .all(incident.id) as { body: string | null; data: string }[];
    expect(texts.map((t) => t.body)).toContain('Freed 20 GB on db-7');
    clean(texts.map((t) => [t.body, JSON.parse(t.data)]));
    clean(incident);
  });
});
