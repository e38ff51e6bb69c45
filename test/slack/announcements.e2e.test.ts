import { announcementChannel } from '../helpers/announcement-channel.ts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FakeGitHub } from '../../src/sandbox/fake-github/server.ts';
import type { FakeMessage } from '../../src/sandbox/fake-slack/state.ts';
import { escapeMrkdwn } from '../../src/slack/mrkdwn.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  declared,
  eventually,
  settled,
  startTestBot,
  useBot,
  type Harness,
} from '../helpers/test-bot.ts';

/**
 * Announcements (issue 19, item 4), end to end: signed slash commands and PagerDuty webhooks into
 * the real Bolt app, and what the fake Slack then holds in the announcement channel.
 */
const ANNOUNCE = 'C0ANNOUNCE1';
const SETTINGS = `comms:\n  rotation: [${BOB.id}]\nannouncements:\n  channel: ${ANNOUNCE}\n  min_severity: sev2\n`;
const MINUTE = 60_000;

const summaries = (h: Harness) => h.slack.ws.channelMessages(ANNOUNCE).filter((m) => !m.thread_ts);
const thread = (h: Harness, summary: FakeMessage) =>
  h.slack.ws
    .channelMessages(ANNOUNCE)
    .filter((m) => m.thread_ts === summary.ts)
    .map((m) => m.text);
const shown = (m: FakeMessage) => JSON.stringify(m.blocks);
const settle = (h: Harness) => settled(h.bot.app, () => h.clock.now);
/** Every call the bot made about the announcement channel. */
const callsAbout = (h: Harness, channel: string) => h.slack.calls.filter((c) => c.args.channel === channel);

describe('announcements', () => {
  const h = useBot({ clock: true, settings: SETTINGS });
  announcementChannel(h, ANNOUNCE);

  it('announce a sev1 once: title, severity, status, commander, comms lead, its channel and age', async () => {
    const { incident, channel } = await declared(h, 'Checkout <!channel> & <b>down</b> sev1');
    await settle(h);
    expect(summaries(h)).toHaveLength(1);
    const [summary] = summaries(h);
    const blocks = shown(summary!);
    expect(blocks).toContain('SEV1');
    expect(blocks).toContain('Investigating');
    expect(blocks).toContain(`*Commander*\\n<@${ALICE.id}>`);
    expect(blocks).toContain(`*Comms lead*\\n<@${BOB.id}>`);
    expect(blocks).toContain(`<#${channel}>`);
    expect(blocks).toContain('Open for 0s');
    expect(blocks).toContain(`Incident #${incident.id}`);
    // The title is a person's text: shown as typed, never markup.
    expect(incident.title).toContain('& <b>down</b>');
    expect(summary!.text).toBe(`Incident #${incident.id}: ${escapeMrkdwn(incident.title)} (SEV1, investigating)`);
    expect(summary!.text).toContain('&amp; &lt;b&gt;down&lt;/b&gt;');
    const mrkdwn = JSON.stringify(summary!.blocks!.filter((b) => (b as { type: string }).type !== 'header'));
    expect(mrkdwn).not.toContain('<b>');
    expect(thread(h, summary!)).toEqual([]);
  });

  it('do not announce a sev3, then announce it when it is raised to sev1, saying by whom', async () => {
    const { channel } = await declared(h, 'Search slow sev3');
    await settle(h);
    expect(summaries(h)).toEqual([]);

    await h.bot.command('sev sev1', { channel, user: CAROL.id });
    await settle(h);
    expect(summaries(h)).toHaveLength(1);
    expect(shown(summaries(h)[0]!)).toContain('SEV1');
    expect(thread(h, summaries(h)[0]!)).toEqual([
      `:chart_with_upwards_trend: Severity raised SEV3 → *SEV1* by <@${CAROL.id}>`,
    ]);
  });

  it('keep the summary current on a change of severity, with a line in its thread', async () => {
    const { channel } = await declared(h, 'Payments failing sev1');
    await settle(h);
    const [summary] = summaries(h);
    await h.bot.command('sev sev2', { channel, user: ALICE.id });
    await settle(h);
    expect(summaries(h)).toHaveLength(1);
    expect(summary!.edited).toBe(true);
    expect(shown(summary!)).toContain('SEV2');
    expect(h.slack.succeeded('chat.update').some((c) => c.args.channel === ANNOUNCE && c.args.ts === summary!.ts)).toBe(
      true,
    );
    expect(thread(h, summary!)).toEqual([
      `:chart_with_downwards_trend: Severity lowered SEV1 → *SEV2* by <@${ALICE.id}>`,
    ]);
  });

  it('on resolve, show how long it took, in the summary and its thread', async () => {
    const { channel } = await declared(h, 'Login errors sev2');
    await settle(h);
    h.clock.now += 72 * MINUTE;
    await h.bot.command('resolve Rolled back', { channel, user: ALICE.id });
    await settle(h);
    const [summary] = summaries(h);
    expect(shown(summary!)).toContain('Resolved after 1h 12m');
    expect(shown(summary!)).toContain('*Status*\\nResolved');
    expect(thread(h, summary!)).toEqual([`:white_check_mark: Resolved after 1h 12m by <@${ALICE.id}>`]);
  });

  it('never announce a private incident, nor say anything of it in the announcement channel', async () => {
    const { channel } = await declared(h, '--private Leaked keys sev1', CAROL.id);
    await h.bot.command('sev sev2', { channel, user: CAROL.id });
    await h.bot.command('resolve Keys rotated', { channel, user: CAROL.id });
    await settle(h);
    expect(h.bot.app.incidents.byChannel(channel)?.status).toBe('resolved');
    expect(h.slack.ws.channelMessages(ANNOUNCE)).toEqual([]);
    expect(callsAbout(h, ANNOUNCE)).toEqual([]);
  });

  it('after a restart, edit the same summary rather than post another', async () => {
    const { channel } = await declared(h, 'Cache stampede sev1');
    await settle(h);
    await h.bot.app.stop(0);
    // The same database and settings file; the harness stops whichever bot is running at the end.
    h.bot = await startTestBot(h.slack, h.dbPath, {
      env: { CONFIG_PATH: h.bot.config.configPath },
      now: () => h.clock.now,
    });
    await h.bot.command('sev sev2', { channel, user: ALICE.id });
    await settle(h);
    expect(summaries(h)).toHaveLength(1);
    expect(shown(summaries(h)[0]!)).toContain('SEV2');
    expect(thread(h, summaries(h)[0]!)).toHaveLength(1);
  });
});

describe('announcements of pages', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS });
  announcementChannel(h, ANNOUNCE);

  it('announce a page at the threshold once, however often PagerDuty delivers it', async () => {
    const page = h.pd.createIncident({ title: 'Disk full on db-1', assignees: [PD_ALICE], priority: 'P1' });
    expect((await h.pd.trigger(page, { id: 'delivery-1' })).json).toMatchObject({ status: 'opened' });
    expect((await h.pd.trigger(page, { id: 'delivery-1' })).json).toMatchObject({ status: 'duplicate' });
    const summary = await eventually(() => summaries(h)[0], 10_000, 'the announcement');
    await settled(h.bot.app);
    expect(summaries(h)).toHaveLength(1);
    expect(shown(summary)).toContain('Disk full on db-1');
    expect(shown(summary)).toContain('SEV1');
  });
});

describe('announcements when Slack is unsure', () => {
  // The real clock: a retry waits for its back-off to pass.
  const h = useBot({ settings: SETTINGS });
  announcementChannel(h, ANNOUNCE);

  it('post once when Slack acted but its answer was lost, for the summary and for a line', async () => {
    /** A retry waits out its back-off: the outbox is settled once the retry has looked and the row is done. */
    const retried = async (method: string) => {
      await eventually(() => h.slack.succeeded(method).some((c) => c.args.channel === ANNOUNCE), 10_000, method);
      await eventually(() => h.bot.app.outbox.pendingStats().depth === 0, 10_000, 'no pending effect');
    };
    h.slack.inject(`chat.postMessage@${ANNOUNCE}`, { dropAnswer: true });
    const { channel } = await declared(h, 'Queue backed up sev1');
    await retried('conversations.history');
    expect(summaries(h)).toHaveLength(1);

    h.slack.inject(`chat.postMessage@${ANNOUNCE}`, { dropAnswer: true });
    await h.bot.command('sev sev2', { channel, user: ALICE.id });
    await retried('conversations.replies');
    expect(summaries(h)).toHaveLength(1);
    expect(thread(h, summaries(h)[0]!)).toHaveLength(1);
    expect(h.slack.calls.filter((c) => c.error === 'answer_dropped')).toHaveLength(2);
    // The summary's place was recorded from what the retry found: the next change edits it.
    await h.bot.command('sev sev1', { channel, user: ALICE.id });
    await settled(h.bot.app);
    expect(summaries(h)).toHaveLength(1);
    expect(shown(summaries(h)[0]!)).toContain('SEV1');
  });
});

describe('an announcement channel the bot was not invited to', () => {
  const h = useBot({ settings: SETTINGS });
  announcementChannel(h, ANNOUNCE);

  it('gives the announcement up at once, saying what to do, and holds up nothing of the incident', async () => {
    h.slack.ws.channels.get(ANNOUNCE)!.members.delete(h.slack.ws.bot.id);
    const { channel } = await declared(h, 'Checkout down sev1');
    const dead = (await eventually(() => h.bot.app.outbox.oldestDead(), 10_000, 'a dead announcement'))!;
    expect(dead.kind).toBe('announcement.summary');
    expect(dead.lastError).toContain('not_in_channel');
    expect(dead.lastError).toContain('/invite @incident-bot');
    await h.bot.command('note still working on it', { channel });
    await h.bot.command('sev sev2', { channel, user: ALICE.id });
    await settled(h.bot.app);
    expect(h.slack.ws.channelMessages(channel).some((m) => m.text.includes('Severity'))).toBe(true);
    expect(h.slack.ws.channelMessages(ANNOUNCE)).toEqual([]);
  });
});

describe('announcements without a channel configured', () => {
  const h = useBot({ clock: true, settings: `comms:\n  rotation: [${BOB.id}]\n` });
  announcementChannel(h, ANNOUNCE);

  it('post nothing anywhere but the incident channel', async () => {
    const { channel } = await declared(h, 'Checkout down sev1');
    await h.bot.command('sev sev2', { channel, user: ALICE.id });
    await h.bot.command('resolve Fixed', { channel, user: ALICE.id });
    await settle(h);
    expect(callsAbout(h, ANNOUNCE)).toEqual([]);
    const elsewhere = h.slack.calls.filter(
      (c) => ['chat.postMessage', 'chat.update'].includes(c.method) && c.args.channel !== channel,
    );
    expect(elsewhere).toEqual([]);
  });
});

describe("the report's link", () => {
  const gh = new FakeGitHub();
  beforeAll(async () => {
    await gh.start();
  });
  afterAll(() => gh.stop());
  const h = useBot({
    settings: SETTINGS,
    get env() {
      return { GITHUB_TOKEN: gh.token, GITHUB_REPO: `${gh.owner}/${gh.repo}`, GITHUB_API_URL: gh.url };
    },
  } as Parameters<typeof useBot>[0]);
  announcementChannel(h, ANNOUNCE);

  it('is added to the summary and threaded once the report is drafted', async () => {
    const { channel } = await declared(h, 'Checkout down sev1');
    await h.bot.command('resolve Fixed', { channel, user: ALICE.id });
    const summary = await eventually(() => summaries(h)[0], 10_000, 'the announcement');
    await eventually(() => thread(h, summary).some((t) => t.startsWith(':memo:')), 10_000, 'the report line');
    await settled(h.bot.app);
    const url = `https://github.test/acme/postmortems/pull/${gh.pulls[0]!.number}`;
    expect(thread(h, summary)).toEqual([
      expect.stringMatching(/^:white_check_mark: Resolved after \d+s by <@U0ALICE01>$/),
      `:memo: Post-incident report: <${url}|the pull request>`,
    ]);
    expect(shown(summary)).toContain(`<${url}|post-incident report>`);
  });
});
