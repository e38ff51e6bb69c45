import { describe, expect, it } from 'vitest';
import { ALICE, BOB, CAROL, declared, eventually, settled, useBot, type Harness } from '../helpers/test-bot.ts';

const text = (body: unknown) => (body as { text: string }).text;
const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);
const lastPost = (h: Harness, channel: string) => posts(h, channel).at(-1);
const timeline = (h: Harness, id: number) =>
  h.bot.app.db.prepare('SELECT kind, actor, body FROM timeline_events WHERE incident_id = ? ORDER BY id').all(id) as {
    kind: string;
    actor: string | null;
    body: string | null;
  }[];

describe('the /incident verbs in an incident channel', () => {
  const h = useBot({ settings: `comms:\n  rotation: [${BOB.id}, ${CAROL.id}]\n`, clock: true });

  it('declare names the declarer commander and the next in the rotation comms lead', async () => {
    const { incident, channel } = await declared(h, 'Checkout is down sev1');
    expect(h.bot.app.incidents.roles(incident.id).map((r) => [r.role, r.userId])).toEqual([
      ['commander', ALICE.id],
      ['comms', BOB.id],
    ]);
    expect([...h.slack.ws.channels.get(channel)!.members]).toEqual(expect.arrayContaining([ALICE.id, BOB.id]));
    expect(posts(h, channel)).toContain(`:busts_in_silhouette: Commander: <@${ALICE.id}> · Comms lead: <@${BOB.id}>`);
  });

  it('declare with a trailing mention makes that person commander', async () => {
    const res = await h.bot.command(`declare Search slow sev2 <@${CAROL.id}|carol>`, { user: ALICE.id });
    expect(text(res.body)).toContain(`<@${CAROL.id}> is commander`);
    const id = Number(/#(\d+)/.exec(text(res.body))![1]);
    expect(h.bot.app.incidents.get(id)!.title).toBe('Search slow');
    expect(h.bot.app.incidents.roles(id).find((r) => r.role === 'commander')!.userId).toBe(CAROL.id);
  });

  it('update posts to the channel, records it, moves the status and resets the clock', async () => {
    const { incident, channel } = await declared(h, 'Payments failing sev2');
    h.clock.now += 10 * 60_000;
    const res = await h.bot.command('update identified Bad deploy of &lt;payments&gt;; rolling back', {
      user: BOB.id,
      channel,
    });
    expect(text(res.body)).toBe(`Posted a *identified* update to incident #${incident.id}.`);
    await settled(h.bot.app, () => h.clock.now);
    expect(lastPost(h, channel)).toBe(
      `:mega: *Update — Identified* (from <@${BOB.id}>)\nBad deploy of &lt;payments&gt;; rolling back`,
    );
    const now = h.bot.app.incidents.get(incident.id)!;
    expect(now).toMatchObject({
      status: 'identified',
      lastUpdateAt: h.clock.now,
      updateDueAt: h.clock.now + 30 * 60_000,
    });
    expect(h.bot.app.incidents.updates(incident.id)).toMatchObject([
      { status: 'identified', body: 'Bad deploy of <payments>; rolling back', author: BOB.id, public: false },
    ]);
    // The pinned summary follows the status.
    expect(JSON.stringify(h.slack.ws.message(channel, incident.summaryTs!)!.blocks)).toContain('*Status*\\nIdentified');
  });

  it('update with a bad status or no message explains the form', async () => {
    const { channel } = await declared(h, 'Queue stuck');
    expect(text((await h.bot.command('update fixed it', { channel })).body)).toMatch(
      /^Start an update with its status — `investigating`, `identified`/,
    );
    expect(text((await h.bot.command('update monitoring', { channel })).body)).toMatch(/^An update needs a message/);
  });

  it('status summarises state, severity, roles, age, last update and next update due', async () => {
    const { channel } = await declared(h, 'DNS flapping sev1');
    h.clock.now += 5 * 60_000;
    await h.bot.command('update investigating Looking at resolvers', { channel, user: BOB.id });
    h.clock.now += 20 * 60_000;
    const res = await h.bot.command('status', { channel });
    expect(text(res.body).split('\n')).toEqual([
      expect.stringMatching(/^\*#\d+ DNS flapping\*$/),
      'Investigating · SEV1 · open for 25m',
      `Commander: <@${ALICE.id}> · Comms lead: <@${BOB.id}>`,
      'Last update: 20m ago (investigating): Looking at resolvers',
      'Next update due: *overdue by 5m*',
    ]);
  });

  it('sev changes severity, announces it and refreshes the summary', async () => {
    const { incident, channel } = await declared(h, 'Latency sev3');
    expect(text((await h.bot.command('sev 1', { channel, user: BOB.id })).body)).toBe(
      `Incident #${incident.id} is now SEV1.`,
    );
    await settled(h.bot.app, () => h.clock.now);
    expect(h.bot.app.incidents.get(incident.id)!.severity).toBe('sev1');
    expect(lastPost(h, channel)).toBe(`:chart_with_upwards_trend: Severity SEV3 → *SEV1* (by <@${BOB.id}> in slack).`);
    expect(h.slack.ws.channels.get(channel)!.topic).toMatch(/^SEV1 · /);
    expect(text((await h.bot.command('sev 7', { channel })).body)).toBe(
      'Give a severity from 1 (worst) to 4: `/incident sev 1`.',
    );
  });

  it('role hands a role over, invites the new holder and announces it', async () => {
    const { incident, channel } = await declared(h, 'Login errors');
    h.slack.ws.channels.get(channel)!.members.delete(CAROL.id);
    const res = await h.bot.command(`role comms <@${CAROL.id}|carol>`, { channel, user: ALICE.id });
    expect(text(res.body)).toBe(`<@${CAROL.id}> is now comms lead of incident #${incident.id}.`);
    await settled(h.bot.app, () => h.clock.now);
    expect(h.slack.ws.channels.get(channel)!.members.has(CAROL.id)).toBe(true);
    expect(posts(h, channel)).toContain(
      `:handshake: Comms lead: <@${BOB.id}> → <@${CAROL.id}> (handed over by <@${ALICE.id}>).`,
    );
    expect(text((await h.bot.command('role comms @carol', { channel })).body)).toMatch(
      /^Pick the new comms lead from Slack's list/,
    );
    expect(text((await h.bot.command('role janitor <@U0BOB0001>', { channel })).body)).toMatch(
      /^Say which role and who/,
    );
  });

  it('note adds to the timeline only', async () => {
    const { incident, channel } = await declared(h, 'Cache cold');
    const before = posts(h, channel).length;
    expect(
      text((await h.bot.command('note Restarted &lt;redis-3&gt; by hand', { channel, user: CAROL.id })).body),
    ).toBe(`Noted in the timeline of incident #${incident.id}.`);
    expect(timeline(h, incident.id).at(-1)).toEqual({
      kind: 'note',
      actor: CAROL.id,
      body: 'Restarted <redis-3> by hand',
    });
    expect(posts(h, channel)).toHaveLength(before);
    expect(text((await h.bot.command('note', { channel })).body)).toMatch(/^A note needs text/);
  });

  it('mitigate, resolve with a closing summary, reopen: each once, in order', async () => {
    const { incident, channel } = await declared(h, 'Storage full sev2');
    h.clock.now += 4 * 60_000;
    await h.bot.command('ack', { channel, user: BOB.id });
    h.clock.now += 6 * 60_000;
    await h.bot.command('mitigate', { channel, user: ALICE.id });
    expect(text((await h.bot.command('mitigate', { channel })).body)).toContain('already mitigated');
    h.clock.now += 50 * 60_000;
    await h.bot.command('resolve Disk expanded', { channel, user: ALICE.id });
    await settled(h.bot.app, () => h.clock.now);
    const p = posts(h, channel);
    expect(p).toContain(`:adhesive_bandage: Mitigated by <@${ALICE.id}> — now monitoring.`);
    expect(p).toContain(
      [
        ':checkered_flag: *Incident closed* after 1h 0m with 2 responders.',
        '• Time to acknowledge: 4m',
        '• Time to mitigate: 10m',
        '• Time to resolve: 1h 0m',
        'This channel will be archived later; `/incident reopen` keeps it open.',
      ].join('\n'),
    );
    // The resolved summary has no buttons left.
    expect(JSON.stringify(h.slack.ws.message(channel, incident.summaryTs!)!.blocks)).not.toContain('incident_resolve');
    expect(text((await h.bot.command('resolve', { channel })).body)).toContain('already resolved');
    expect(text((await h.bot.command('reopen', { channel, user: BOB.id })).body)).toBe(
      `Reopened incident #${incident.id}; its channel will not be archived.`,
    );
    expect(h.bot.app.incidents.get(incident.id)).toMatchObject({ status: 'investigating', resolvedAt: null });
    expect(timeline(h, incident.id).map((e) => e.kind)).toEqual(
      expect.arrayContaining(['acknowledged', 'mitigated', 'resolved', 'reopened']),
    );
  });

  it('archives a resolved channel after the configured delay, and never a reopened one', async () => {
    const { channel } = await declared(h, 'Archive me');
    await h.bot.command('resolve', { channel });
    await settled(h.bot.app, () => h.clock.now);
    expect(h.slack.succeeded('conversations.archive')).toEqual([]);
    h.clock.now += 24 * 60 * 60_000 + 1000;
    h.bot.app.worker.notify();
    await eventually(() => h.slack.succeeded('conversations.archive').length === 1);
    expect(h.slack.ws.channels.get(channel)!.is_archived).toBe(true);

    const other = await declared(h, 'Keep me');
    await h.bot.command('resolve', { channel: other.channel });
    h.clock.now += 60 * 60_000;
    await h.bot.command('reopen', { channel: other.channel });
    h.clock.now += 24 * 60 * 60_000;
    h.bot.app.worker.notify();
    await settled(h.bot.app, () => h.clock.now);
    expect(h.slack.ws.channels.get(other.channel)!.is_archived).toBe(false);
    expect(h.bot.app.outbox.forIncident(other.incident.id).find((r) => r.kind === 'channel.archive')).toMatchObject({
      state: 'delivered',
      result: '{"skipped":"reopened"}',
    });
  });

  it('list shows open incidents from anywhere', async () => {
    await declared(h, 'Listed one sev1');
    const res = await h.bot.command('list', { channel: 'C0RANDOM' });
    expect(text(res.body)).toMatch(/^\*\d+ open incidents?\*\n/);
    expect(text(res.body)).toMatch(/• \*#\d+\* SEV1 Listed one — <#C\d+> — investigating, 0s/);
  });

  it('verbs that act on an incident say where to run them when used elsewhere', async () => {
    for (const verb of [
      'status',
      'update identified x',
      'sev 2',
      `role comms <@${BOB.id}>`,
      'note x',
      'mitigate',
      'ack',
      'resolve',
      'reopen',
    ]) {
      const res = await h.bot.command(verb, { channel: 'C0GENERAL' });
      expect(text(res.body), verb).toMatch(/works inside an incident's channel/);
    }
  });
});
