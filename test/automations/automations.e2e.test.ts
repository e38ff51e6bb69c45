import { describe, expect, it } from 'vitest';
import { RunbookRepository } from '../../src/runbooks/run-repository.ts';
import { ALICE, BOB, eventually, settled, useBot, declared, type Harness } from '../helpers/test-bot.ts';
import { FIXTURES } from '../runbooks/helpers.ts';
import { draftDeps } from '../helpers/report.ts';
import { draftReport } from '../../src/postmortem/draft.ts';

const SETTINGS = `
runbooks:
  dir: ${FIXTURES}
permissions:
  severity: [commander]
automations:
  - name: disk-full
    when: { event: page, title_matches: 'disk (full|usage)' }
    do:
      - runbook: { name: argv, params: { value: 'clean {{event.title}}' } }
      - note: 'Automation cleaned /tmp on {{incident.title}}; <!channel> check the thread.'
  - name: rehearse
    mode: dry-run
    when: { event: page, title_matches: '^Rehearsal' }
    do:
      - runbook: { name: argv, params: { value: x } }
      - severity: sev1
  - name: replica-down
    when: { event: page, title_matches: 'replica down', urgency: high }
    do:
      - runbook: { name: restart-db, params: { replica: db-1 } }
  - name: escalate-later
    when: { event: page, title_matches: 'queue backlog' }
    do:
      - page: { escalation_policy: P2F4GX5, message: 'Backlog on {{incident.title}}' }
      - severity: sev1
  - name: major
    when: { event: severity_changed, severity: sev1 }
    do:
      - note: 'Severity is {{incident.severity}}: call the comms lead.'
      - invite: [${BOB.id}]
`;

const runs = (h: Harness) => new RunbookRepository(h.bot.app.db);
const incidentOf = (h: Harness, pdId: string) =>
  eventually(() => {
    const row = h.bot.app.db.prepare('SELECT incident_id FROM incident_links WHERE external_id = ?').get(pdId) as
      { incident_id: number } | undefined;
    const i = row && h.bot.app.incidents.get(row.incident_id);
    return i?.channelId ? i : undefined;
  });
const timeline = (h: Harness, id: number) =>
  h.bot.app.db.prepare('SELECT kind, actor, body FROM timeline_events WHERE incident_id = ? ORDER BY id').all(id) as {
    kind: string;
    actor: string | null;
    body: string | null;
  }[];
const firings = (h: Harness, id: number) =>
  h.bot.app.db.prepare('SELECT automation, mode, event FROM automation_firings WHERE incident_id = ?').all(id);
const posts = (h: Harness, channel: string) => h.slack.ws.channelMessages(channel).map((m) => m.text);

describe('automations on events', () => {
  const h = useBot({ pagerduty: true, settings: SETTINGS, scope: 'all' });

  it('a matching page runs the runbook with nobody typing anything: thread output, timeline, channel', async () => {
    const page = h.pd.createIncident({ title: 'disk full on db-7' });
    expect((await h.pd.trigger(page)).status).toBe(202);
    const incident = await incidentOf(h, page.id);
    const run = await eventually(() => runOf(h, incident.id));
    await eventually(() => runs(h).get(run.id)?.status === 'succeeded' && runs(h).get(run.id));
    expect(run).toMatchObject({ runbook: 'argv', requestedBy: 'automation:disk-full', dryRun: false });
    expect(run.params).toMatchObject({ value: 'clean disk full on db-7' });
    await settled(h.bot.app);

    const events = timeline(h, incident.id);
    expect(events.find((e) => e.kind === 'automation_fired')?.body).toBe(
      "automation disk-full ran runbook argv and added a note because the page's title matched 'disk (full|usage)'",
    );
    expect(events.map((e) => e.kind)).toEqual(expect.arrayContaining(['runbook_started', 'runbook_finished', 'note']));
    expect(events.find((e) => e.kind === 'note')).toMatchObject({ actor: 'automation:disk-full' });
    const said = posts(h, incident.channelId!);
    const notice = said.find((t) => t.startsWith(':robot_face:'))!;
    expect(notice).toContain('Automation *disk-full* ran runbook argv and added a note');
    // The note's text is escaped for Slack: the title or the operator's text cannot ping the channel.
    expect(notice).toContain('&lt;!channel&gt;');
    expect(said.some((t) => t.includes('Runbook *argv*'))).toBe(true);

    // The report's "What happened?" says what fired, and why.
    const { markdown } = draftReport(draftDeps(h, 'UTC'), incident.id, new Map(), null);
    expect(markdown).toContain(
      "Automation disk-full ran runbook argv and added a note because the page's title matched 'disk (full\\|usage)'",
    );
  });

  it('a page that does not match does nothing', async () => {
    const page = h.pd.createIncident({ title: 'CPU high on web-3' });
    await h.pd.trigger(page);
    const incident = await incidentOf(h, page.id);
    await settled(h.bot.app);
    expect(firings(h, incident.id)).toEqual([]);
    expect(runOf(h, incident.id)).toBeUndefined();
    expect(timeline(h, incident.id).some((e) => e.kind.startsWith('automation'))).toBe(false);
  });

  it('dry-run records what it would do and does nothing', async () => {
    const page = h.pd.createIncident({ title: 'Rehearsal: disk usage drill' });
    await h.pd.trigger(page);
    const incident = await incidentOf(h, page.id);
    await settled(h.bot.app);
    const events = timeline(h, incident.id);
    expect(events.find((e) => e.body?.startsWith('automation rehearse'))?.body).toBe(
      "automation rehearse would run runbook argv and would set the severity to sev1 because the page's title matched '^Rehearsal'",
    );
    expect(h.bot.app.incidents.get(incident.id)!.severity).not.toBe('sev1');
    // disk-full matched too ("disk usage") and ran; rehearse started nothing of its own.
    expect(firings(h, incident.id)).toEqual(
      expect.arrayContaining([{ automation: 'rehearse', mode: 'dry-run', event: 'page' }]),
    );
    expect(runs(h).activeFor(incident.id, 'argv')?.requestedBy ?? 'automation:disk-full').toBe('automation:disk-full');
    expect(posts(h, incident.channelId!).some((t) => t.startsWith(':test_tube: (dry run) Automation *rehearse*'))).toBe(
      true,
    );
  });

  it('fires once when PagerDuty delivers the same page again', async () => {
    const page = h.pd.createIncident({ title: 'disk full on db-9' });
    await h.pd.trigger(page, { id: 'EVT-AUTOMATION-1' });
    await h.pd.trigger(page, { id: 'EVT-AUTOMATION-1' });
    const incident = await incidentOf(h, page.id);
    await eventually(() => runOf(h, incident.id));
    await settled(h.bot.app);
    expect(firings(h, incident.id)).toEqual([{ automation: 'disk-full', mode: 'on', event: 'page' }]);
    expect(countRuns(h, incident.id)).toBe(1);
  });

  it('a step that needs approval waits for a person, who may approve it', async () => {
    const page = h.pd.createIncident({ title: 'replica down: db-1', urgency: 'high' });
    await h.pd.trigger(page);
    const incident = await incidentOf(h, page.id);
    const run = await eventually(() => {
      const r = runOf(h, incident.id);
      return r?.status === 'awaiting_approval' ? r : undefined;
    });
    expect(run.requestedBy).toBe('automation:replica-down');
    await settled(h.bot.app);
    await h.bot.click('runbook_approve', `${run.id}:1`, { user: ALICE.id, channel: incident.channelId! });
    await eventually(() => runs(h).get(run.id)?.status === 'succeeded');
  });

  it('pages an escalation policy through PagerDuty, as the bot, with the templated message, once', async () => {
    h.pd.policies.set('P2F4GX5', { id: 'P2F4GX5', name: 'Queue owners', levels: [[]] });
    const page = h.pd.createIncident({ title: 'queue backlog growing' });
    await h.pd.trigger(page);
    await h.pd.trigger(page, { id: 'EVT-QUEUE-AGAIN' });
    const incident = await incidentOf(h, page.id);
    await eventually(() => h.pd.succeeded('POST /incidents').length > 0, 10_000, 'the page');
    await settled(h.bot.app);
    const created = h.pd.succeeded('POST /incidents');
    expect(created).toHaveLength(1);
    expect(created[0]!.headers.from).toBe('bot@example.com');
    expect(created[0]!.body).toMatchObject({
      incident: {
        title: 'Backlog on queue backlog growing',
        escalation_policy: { id: 'P2F4GX5', type: 'escalation_policy_reference' },
      },
    });
    expect(timeline(h, incident.id).find((e) => e.kind === 'automation_fired')?.body).toBe(
      "automation escalate-later paged escalation policy P2F4GX5 and set the severity to sev1 because the page's title matched 'queue backlog'",
    );
    // The severity rule names only the commander: the operator's automation may still change it.
    expect(h.bot.app.incidents.get(incident.id)!.severity).toBe('sev1');
    // Its own severity change fires no automation (no loops): `major` stays quiet.
    expect(firings(h, incident.id)).toEqual([{ automation: 'escalate-later', mode: 'on', event: 'page' }]);
  });

  it('/incident automations shows what fired; off stops later firings for that incident, on resumes', async () => {
    const { incident, channel } = await declared(h, 'Search slow sev3');
    expect((await h.bot.command('automations off', { channel, user: BOB.id })).body).toMatchObject({
      text: expect.stringContaining('Only the commander'),
    });
    expect((await h.bot.command('automations off', { channel })).body).toMatchObject({
      text: expect.stringContaining('paused'),
    });
    await h.bot.command('sev 1', { channel });
    await settled(h.bot.app);
    expect(firings(h, incident.id)).toEqual([]);

    await h.bot.command('sev 2', { channel });
    await h.bot.command('automations on', { channel });
    await h.bot.command('sev 1', { channel });
    await settled(h.bot.app);
    expect(firings(h, incident.id)).toEqual([{ automation: 'major', mode: 'on', event: 'severity_changed' }]);
    await eventually(() => h.slack.ws.channels.get(channel)!.members.has(BOB.id));
    const shown = await h.bot.command('automations', { channel });
    expect((shown.body as { text: string }).text).toMatch(
      /\*major\* on severity_changed: added a note, invited U0BOB0001/,
    );
  });
});

function runOf(h: Harness, incidentId: number) {
  const row = h.bot.app.db
    .prepare('SELECT id FROM runbook_runs WHERE incident_id = ? ORDER BY id DESC LIMIT 1')
    .get(incidentId) as { id: number } | undefined;
  return row && runs(h).get(row.id);
}
function countRuns(h: Harness, incidentId: number): number {
  return (
    h.bot.app.db.prepare('SELECT COUNT(*) AS n FROM runbook_runs WHERE incident_id = ?').get(incidentId) as {
      n: number;
    }
  ).n;
}
