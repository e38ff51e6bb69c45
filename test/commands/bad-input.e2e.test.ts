import { beforeEach, describe, expect, it } from 'vitest';
import { slackSignatureHeaders, slashCommandBody } from '../../src/sandbox/sign-slack-request.ts';
import { isLegalChannelName } from '../../src/slack/channel-name.ts';
import { ALICE, SIGNING_SECRET, declared, eventually, useBot } from '../helpers/test-bot.ts';

describe('/incident with bad or hostile input', () => {
  const h = useBot({ scope: 'all' });

  let before: number;
  beforeEach(() => {
    before = (h.bot.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  });
  const incidentCount = () => (h.bot.app.db.prepare('SELECT count(*) AS n FROM incidents').get() as { n: number }).n;
  const text = (body: unknown) => (body as { text: string }).text;
  const channelFor = (id: number) =>
    eventually(() => h.bot.app.incidents.get(id)?.channelName ?? undefined, 10_000, `channel of incident ${id}`);

  describe('requests Slack did not sign', () => {
    const body = slashCommandBody({ text: 'declare Forged', userId: ALICE.id, channelId: 'C1' });
    const form = { 'content-type': 'application/x-www-form-urlencoded' };

    it('refuses a request with no signature and changes nothing', async () => {
      const res = await h.bot.post('/slack/events', body, form);
      expect(res.status).toBe(401);
      expect(incidentCount()).toBe(before);
    });

    it('refuses a request signed with another secret', async () => {
      const res = await h.bot.post('/slack/events', body, {
        ...form,
        ...slackSignatureHeaders('not-the-secret', body),
      });
      expect(res.status).toBe(401);
      expect(incidentCount()).toBe(before);
    });

    it('refuses a correctly signed request older than five minutes (a replay)', async () => {
      const stale = Math.floor(Date.now() / 1000) - 6 * 60;
      const res = await h.bot.post('/slack/events', body, {
        ...form,
        ...slackSignatureHeaders(SIGNING_SECRET, body, stale),
      });
      expect(res.status).toBe(401);
      expect(incidentCount()).toBe(before);
    });

    it('refuses a body whose signature was made for different content', async () => {
      const headers = slackSignatureHeaders(SIGNING_SECRET, body);
      const tampered = body.replace('Forged', 'Tampered');
      const res = await h.bot.post('/slack/events', tampered, { ...form, ...headers });
      expect(res.status).toBe(401);
      expect(incidentCount()).toBe(before);
    });
  });

  it('opens the declare form when there is no title at all', async () => {
    const res = await h.bot.command('declare   ');
    expect(res.status).toBe(200);
    expect(res.body).toBe('');
    const view = JSON.parse(String(h.slack.succeeded('views.open').at(-1)!.args.view));
    expect(view).toMatchObject({ type: 'modal', callback_id: 'incident_declare' });
    expect(incidentCount()).toBe(before);
  });

  it('asks for a title when only a severity is given, and changes nothing', async () => {
    for (const input of ['declare sev1', 'declare SEV-2']) {
      const res = await h.bot.command(input);
      expect(res.status).toBe(200);
      expect(res.body).toMatchObject({ response_type: 'ephemeral' });
      expect(text(res.body)).toContain('Give the incident a title');
    }
    expect(incidentCount()).toBe(before);
  });

  it('refuses a 10 kB title with the limit and what to do instead, and changes nothing', async () => {
    const res = await h.bot.command(`declare ${'x'.repeat(10 * 1024)}`);
    expect(res.status).toBe(200);
    expect(text(res.body)).toMatch(/^That title is 10,240 characters; the most is 3,000\. .*\/incident note/);
    expect(incidentCount()).toBe(before);
  });

  it('keeps a long title whole as the description and shortens the title', async () => {
    const long = `Checkout fails for every EU customer ${'because the payment gateway times out '.repeat(8)}`.trim();
    await h.bot.command(`declare ${long} sev2`);
    const incident = h.bot.app.incidents.get(before + 1)!;
    expect(incident.title.length).toBeLessThanOrEqual(150);
    expect(incident.title.endsWith('…')).toBe(true);
    expect(incident.description).toBe(long);
    const name = await channelFor(incident.id);
    expect(isLegalChannelName(name)).toBe(true);
    expect(name.length).toBeLessThanOrEqual(80);
  });

  it.each([
    ['emoji and accents', 'Café 🔥 checkout ☕ down', /^inc-\d{8}-cafe-checkout-down$/],
    ['a non-Latin script', '決済が失敗しています', /^inc-\d{8}-incident-\d+$/],
    ['only symbols', '!!! ??? ***', /^inc-\d{8}-incident-\d+$/],
    ['upper case and punctuation', 'API_GW: 5xx > 50%!!', /^inc-\d{8}-api-gw-5xx-50$/],
  ])('gives a title of %s a legal channel name', async (_label, title, pattern) => {
    await h.bot.command(`declare ${title}`);
    const incident = h.bot.app.incidents.get(before + 1)!;
    expect(incident.title).toBe(title.replace(/\s+/g, ' '));
    const name = await channelFor(incident.id);
    expect(name).toMatch(pattern);
    expect(isLegalChannelName(name)).toBe(true);
  });

  it('stores what the person typed, not Slack markup, and escapes it on the way back', async () => {
    // Slack sends & < > entity-encoded and mentions as <@U…|name>.
    await h.bot.command('declare &lt;script&gt; &amp; <@U0BOB0001|bob> broke <#C0OPS001|ops> sev1');
    const incident = h.bot.app.incidents.get(before + 1)!;
    expect(incident.title).toBe('<script> & @bob broke #ops');
    const summaryPost = () =>
      h.slack
        .succeeded('chat.postMessage')
        .find((c) => c.args.channel === h.bot.app.incidents.get(incident.id)?.channelId && c.args.blocks);
    const post = await eventually(summaryPost);
    expect(post.args.text).toContain('&lt;script&gt; &amp; @bob broke #ops');
    expect(post.args.text).not.toContain('<script>');
    expect(h.slack.rejected).toEqual([]);
  });

  it('drops control characters from titles', async () => {
    await h.bot.command('declare Disk\u0000 full\u0007 on db-1');
    expect(h.bot.app.incidents.get(before + 1)!.title).toBe('Disk full on db-1');
  });

  it('answers an unknown verb with the nearest one and how to list them', async () => {
    const res = await h.bot.command('declre Checkout down');
    expect(res.body).toMatchObject({ response_type: 'ephemeral' });
    expect(text(res.body)).toBe(
      '`declre` is not an /incident command. Did you mean `/incident declare`? `/incident help` lists them all.',
    );
    const odd = await h.bot.command('<script>alert(1)</script>');
    expect(text(odd.body)).toContain('`&lt;script&gt;alert(1)&lt;/script&gt;` is not an /incident command.');
    expect(incidentCount()).toBe(before);
  });

  it('does not treat inherited object keys as verbs', async () => {
    for (const verb of ['constructor', '__proto__', 'toString', 'hasOwnProperty']) {
      const res = await h.bot.command(verb);
      expect(text(res.body), verb).toContain('is not an /incident command');
    }
  });

  it('lists the verbs for help, and for no verb at all', async () => {
    for (const input of ['help', '']) {
      const res = await h.bot.command(input);
      expect(text(res.body)).toContain('`/incident declare [title] [sev1-4] [@commander]`');
      expect(text(res.body)).toContain('`/incident help`');
      // `<investigating|…>` written raw is Slack's link syntax; escaped, it reads as typed.
      expect(text(res.body)).toContain('`/incident sev &lt;1-4&gt;`');
      expect(text(res.body)).not.toContain('<');
    }
  });

  it('escapes what it quotes back when it refuses: a bad --components value cannot ping the channel', async () => {
    const { channel } = await declared(h, 'Checkout slow sev3');
    const res = await h.bot.command('update identified Rolling back --components &lt;!channel&gt;:bogus', { channel });
    expect(text(res.body)).toBe(
      '`&lt;!channel&gt;:bogus`: say how the component is — operational, degraded, partial, major or maintenance (e.g. `--components api:partial`).',
    );
  });
});
