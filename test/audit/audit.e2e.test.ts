import { describe, expect, it } from 'vitest';
import { AuditRepository, type AuditRecord } from '../../src/audit/audit-repository.ts';
import { parseSince } from '../../src/cli/audit.ts';
import { outboxRetry, type OutboxCliIo } from '../../src/cli/outbox.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { InboxRepository } from '../../src/inbox/inbox-repository.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { startRetentionJob } from '../../src/scheduler/retention.ts';
import { RUNBOOK_ACTION } from '../../src/slack/runbook-views.ts';
import { runCli } from '../helpers/child-bot.ts';
import {
  ALICE,
  BOB,
  CAROL,
  PD_ALICE,
  declared,
  eventually,
  settled,
  useBot,
  type Harness,
} from '../helpers/test-bot.ts';
import { FIXTURES, awaitingApproval, finished, runIdOf } from '../runbooks/helpers.ts';
import { storageAt, storageEnv } from '../helpers/test-database.ts';

const SETTINGS = [
  'permissions:',
  '  severity: [commander]',
  'status_page:',
  '  publish: [commander, comms]',
  'comms:',
  `  rotation: [${BOB.id}]`,
  'runbooks:',
  `  dir: ${FIXTURES}`,
  '',
].join('\n');

const audit = (h: Harness) => new AuditRepository(h.bot.app.db).since(0, 1000);
const acts = (h: Harness, action: AuditRecord['action']) => audit(h).filter((r) => r.action === action);

describe('the audit log: who did what, when and from where', () => {
  const h = useBot({ settings: SETTINGS, pagerduty: true });

  it('records a role grant from Slack with the person, the request and the incident', async () => {
    const { incident, channel } = await declared(h, 'Checkout down sev2'); // alice commands, bob is comms
    await h.bot.command(`role comms <@${CAROL.id}>`, { channel });
    const [grant] = acts(h, 'role.granted').filter((r) => r.detail.user === CAROL.id);
    expect(grant).toMatchObject({
      actor: ALICE.id,
      via: 'slack',
      incidentId: incident.id,
      detail: { role: 'comms', user: CAROL.id, from: BOB.id },
      requestId: expect.any(String),
    });
  });

  it('records a role PagerDuty gave (the paged assignee made commander) as from PagerDuty', async () => {
    const page = h.pd.createIncident({ title: 'Disk full', assignees: [PD_ALICE] });
    await h.pd.send(webhookBody('incident.triggered', incidentData(page), { id: 'EVT-AUDIT-1' }));
    await eventually(() => h.bot.app.incidents.listOpen()[0]?.summaryTs, 10_000, 'the room');
    await settled(h.bot.app);
    const grant = acts(h, 'role.granted').find((r) => r.detail.role === 'commander');
    expect(grant).toMatchObject({ via: 'pagerduty', eventId: 'EVT-AUDIT-1', detail: { user: ALICE.id } });
  });

  it('records permission refusals, from a check before a change and from inside one', async () => {
    const { incident, channel } = await declared(h, 'Search slow sev3');
    await h.bot.command('sev 1', { channel, user: CAROL.id }); // only the commander may
    await h.bot.command('postmortem --force', { channel, user: CAROL.id }); // refused inside its transaction
    const refusals = await eventually(() => {
      const r = acts(h, 'permission.refused');
      return r.length === 2 ? r : undefined;
    });
    expect(refusals.map((r) => [r.actor, r.via, r.incidentId, r.detail.action])).toEqual([
      [CAROL.id, 'slack', incident.id, 'severity'],
      [CAROL.id, 'slack', incident.id, 'postmortem_force'],
    ]);
    expect(String(refusals[0]!.detail.reason)).toContain('commander');
    // Nothing that was refused happened.
    expect(h.bot.app.incidents.get(incident.id)!.severity).toBe('sev3');
    expect(acts(h, 'postmortem.forced')).toEqual([]);
  });

  it('records the second-pair-of-eyes refusal: the one who started a run approving its risky step', async () => {
    const { incident, channel } = await declared(h, 'Replica lagging sev1'); // alice commands, bob is comms
    const run = runIdOf(await h.bot.command('runbook run restart-db replica=db-2', { channel }));
    await awaitingApproval(h, run);
    await h.bot.click(RUNBOOK_ACTION.approve, `${run}:1`, { user: ALICE.id, channel });
    const refusal = await eventually(() =>
      acts(h, 'permission.refused').find((r) => r.detail.rule === 'second_approver'),
    );
    expect(refusal).toMatchObject({
      actor: ALICE.id,
      via: 'slack',
      incidentId: incident.id,
      detail: { action: 'runbook.approve', runbook: 'restart-db' },
    });
    expect(String(refusal.detail.reason)).toContain('Someone other than the person who started the run');
    expect(acts(h, 'runbook.approved')).toEqual([]);
  });

  it('records a public update and a forced postmortem, not an internal update', async () => {
    const { incident, channel } = await declared(h, 'Payments failing sev1');
    await h.bot.command('update investigating Looking into it', { channel });
    await h.bot.command('update identified A bad deploy --public', { channel });
    await h.bot.command('postmortem --force', { channel });
    expect(acts(h, 'update.published')).toEqual([
      expect.objectContaining({
        actor: ALICE.id,
        via: 'slack',
        incidentId: incident.id,
        detail: expect.objectContaining({ status: 'identified', public: true, body: 'A bad deploy' }),
      }),
    ]);
    expect(acts(h, 'postmortem.forced')).toEqual([
      expect.objectContaining({ actor: ALICE.id, via: 'slack', incidentId: incident.id }),
    ]);
  });

  it('records runbook runs, approvals, rejections and stops, each with who did it', async () => {
    const { incident, channel } = await declared(h, 'Primary down sev1'); // alice commands, bob is comms
    const approved = runIdOf(await h.bot.command('runbook run restart-db replica=db-2', { channel }));
    await awaitingApproval(h, approved);
    await h.bot.click(RUNBOOK_ACTION.approve, `${approved}:1`, { user: BOB.id, channel });
    await finished(h, approved);
    const rejected = runIdOf(await h.bot.command('runbook run restart-db replica=db-1', { channel }));
    await awaitingApproval(h, rejected);
    await h.bot.click(RUNBOOK_ACTION.reject, `${rejected}:1`, { user: BOB.id, channel });
    await finished(h, rejected);
    const stopped = runIdOf(await h.bot.command('runbook run hang-long', { channel }));
    await h.bot.command(`runbook stop ${stopped}`, { channel });
    await finished(h, stopped);

    const runbookActs = audit(h)
      .filter((r) => r.action.startsWith('runbook.'))
      .map((r) => [r.action, r.actor, r.via, r.incidentId, r.detail.run]);
    expect(runbookActs).toEqual([
      ['runbook.run', ALICE.id, 'slack', incident.id, approved],
      ['runbook.approved', BOB.id, 'slack', incident.id, approved],
      ['runbook.run', ALICE.id, 'slack', incident.id, rejected],
      ['runbook.rejected', BOB.id, 'slack', incident.id, rejected],
      ['runbook.run', ALICE.id, 'slack', incident.id, stopped],
      ['runbook.stopped', ALICE.id, 'slack', incident.id, stopped],
    ]);
  });

  it('records an outbox retry from the command line with the operator', async () => {
    h.slack.inject('conversations.create', { error: 'invalid_name_specials' });
    await h.bot.command('declare Broken name');
    const dead = await eventually(() => {
      const ids = h.bot.app.outbox.deadIds();
      return ids.length > 0 && h.bot.app.worker.inFlightCount === 0 ? ids : undefined;
    });
    const io: OutboxCliIo = {
      out: () => {},
      err: () => {},
      interactive: false,
      ask: async () => false,
      now: Date.now,
      operator: 'oncall-operator',
    };
    expect(await outboxRetry(storageAt(h.dbPath), [String(dead[0])], io)).toBe(0);
    expect(acts(h, 'outbox.retried')).toEqual([
      expect.objectContaining({ actor: 'oncall-operator', via: 'cli', detail: { ids: [dead[0]], all_dead: false } }),
    ]);
  });

  // Five command-line processes, each starting the CLI (and on PostgreSQL its connection thread): a limit, not a timing.
  it('incident-bot audit prints the log as a table or JSON lines, since a time', { timeout: 90_000 }, async () => {
    const { channel } = await declared(h, 'Queue backlog sev2');
    await h.bot.command(`role comms <@${CAROL.id}>`, { channel });
    const env = storageEnv(h.dbPath);
    const table = await runCli(['audit'], env);
    expect(table.code).toBe(0);
    const lines = table.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^time\s+via\s+who\s+action\s+incident\s+detail$/);
    expect(lines.at(-1)).toMatch(new RegExp(`\\sslack\\s+${ALICE.id}\\s+role\\.granted\\s+#1\\s+\\{"role":"comms"`));

    const json = await runCli(['audit', '--since', '1h', '--json'], env);
    expect(json.code).toBe(0);
    const records = json.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records.at(-1)).toMatchObject({ action: 'role.granted', actor: ALICE.id, via: 'slack', incidentId: 1 });

    const future = await runCli(['audit', '--since', '2999-01-01'], env);
    expect(future.stdout).toMatch(/^Nothing recorded since 2999-01-01 00:00:00Z\./);
    const bad = await runCli(['audit', '--since', 'yesterday'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('"yesterday" is not a time for --since.');
  });

  it('incident-bot audit hands every record to a reader slower than it, though they are more than a pipe holds', async () => {
    const log = new AuditRepository(h.bot.app.db);
    const at = Date.now() - 60_000;
    for (let i = 0; i < 2_000; i++) {
      log.append({ action: 'role.granted', actor: ALICE.id, via: 'slack', incidentId: null, detail: { n: i } }, at + i);
    }
    const res = await runCli(['audit', '--since', '1h', '--json'], storageEnv(h.dbPath), { slowReader: 1_000 });
    expect(res.code).toBe(0);
    expect(res.stdout.length).toBeGreaterThan(64 * 1024);
    const records = res.stdout
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l) as { detail: { n?: number } })
      .filter((r) => r.detail.n !== undefined);
    expect(records.map((r) => r.detail.n)).toEqual(Array.from({ length: 2_000 }, (_, i) => i));
  });

  it('is append-only, and pruned only after audit.retention_days (default 400)', async () => {
    await declared(h, 'Old news sev3');
    const db = h.bot.app.db;
    expect(() => db.prepare("UPDATE audit_log SET actor = 'someone-else'").run()).toThrow(/append-only/);
    expect(h.bot.config.settings.audit.retention_days).toBe(400);
    const count = () => db.prepare('SELECT count(*) FROM audit_log').pluck().get() as number;
    const before = count();
    expect(before).toBeGreaterThan(0);
    const job = (days: number) =>
      startRetentionJob(
        {
          outbox: h.bot.app.outbox,
          inbox: new InboxRepository(db),
          seenRequests: new SeenRequestRepository(db),
          signatureWindowMs: 300_000,
          retentionDays: 30,
          audit: { repo: new AuditRepository(db), retentionDays: 400 },
          now: () => Date.now() + days * 86_400_000,
        },
        createLogger('silent'),
      );
    const outlivesTheOutbox = job(399);
    expect(outlivesTheOutbox.runOnce().audit).toBe(0);
    await outlivesTheOutbox.stop();
    const gone = job(401);
    expect(gone.runOnce().audit).toBe(before);
    await gone.stop();
    expect(count()).toBe(0);
  });
});

describe('--since', () => {
  const now = Date.parse('2026-11-29T12:00:00Z');
  it.each([
    ['90m', now - 90 * 60_000],
    ['12h', now - 12 * 3_600_000],
    ['30d', now - 30 * 86_400_000],
    ['2026-11-01', Date.parse('2026-11-01')],
    ['2026-11-01T08:00Z', Date.parse('2026-11-01T08:00Z')],
  ])('reads %s', (text, at) => expect(parseSince(text, now)).toBe(at));
  it.each(['yesterday', '-1d', '1w', '2026-13-45', ''])('refuses %j', (text) =>
    expect(parseSince(text, now)).toBeNull(),
  );
});
