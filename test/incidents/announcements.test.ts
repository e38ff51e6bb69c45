import { afterEach, describe, expect, it } from 'vitest';
import { ALICE, BOB, Domain, MINUTE, START, actor, pagerEvent } from './domain-harness.ts';

/**
 * Announcements in the domain: which changes announce an incident, and what each later change
 * tells its summary and thread (as outbox rows; the Slack side renders them, see
 * test/slack/announcements.e2e.test.ts).
 */
let d: Domain;
afterEach(() => d?.close());

const ANNOUNCING = { announcements: { channel: 'C0ANNOUNCE', min_severity: 'sev2' } };
const announcementRows = (id: number) => d.effects(id).filter((e) => e.kind.startsWith('announcement.'));
const lines = (id: number) =>
  announcementRows(id)
    .filter((e) => e.kind === 'announcement.line')
    .map((e) => e.payload.line);

describe('announcements', () => {
  it('announce an incident declared at the threshold once, after its room is opened, in its order', () => {
    d = new Domain({ settings: ANNOUNCING });
    const incident = d.declare(ALICE, { severity: 'sev2' });
    const rows = d.effects(incident.id);
    const summary = rows.find((e) => e.kind === 'announcement.summary');
    expect(summary).toMatchObject({ orderingKey: `incident:${incident.id}`, priority: 0 });
    // The room is created first (priority -1), so the summary can link to it.
    expect(rows.find((e) => e.kind === 'channel.create')).toMatchObject({ priority: -1 });
    expect(announcementRows(incident.id)).toHaveLength(1);
  });

  it('do not announce a quieter incident until it is raised to the threshold, then say why', () => {
    d = new Domain({ settings: ANNOUNCING });
    const incident = d.declare(ALICE, { severity: 'sev3' });
    expect(announcementRows(incident.id)).toEqual([]);
    d.service.addNote(incident.id, 'looking', ALICE);
    d.service.setSeverity(incident.id, 'sev4', actor(ALICE));
    expect(announcementRows(incident.id)).toEqual([]);

    d.service.setSeverity(incident.id, 'sev1', actor(BOB));
    expect(announcementRows(incident.id).map((e) => e.kind)).toEqual(['announcement.summary', 'announcement.line']);
    expect(lines(incident.id)).toEqual([{ type: 'severity', from: 'sev4', to: 'sev1', by: BOB }]);
  });

  it('thread a line per change of severity or status and redraw the summary with it', () => {
    d = new Domain({ settings: ANNOUNCING });
    const incident = d.declare(ALICE, { severity: 'sev1' });
    d.advance(5 * MINUTE);
    d.service.setSeverity(incident.id, 'sev2', actor(BOB));
    d.service.postUpdate(incident.id, 'identified', 'Found it', actor(ALICE));
    d.service.mitigate(incident.id, ALICE);
    d.advance(67 * MINUTE);
    d.service.resolve(incident.id, actor(BOB), null);
    d.service.reopen(incident.id, actor(ALICE));
    expect(lines(incident.id)).toEqual([
      { type: 'severity', from: 'sev1', to: 'sev2', by: BOB },
      { type: 'status', from: 'investigating', to: 'identified', by: ALICE },
      { type: 'status', from: 'identified', to: 'monitoring', by: ALICE },
      { type: 'resolved', by: BOB, durationMs: 72 * MINUTE },
      { type: 'reopened', by: ALICE },
    ]);
    // One summary row for the declaration and one per change.
    expect(announcementRows(incident.id).filter((e) => e.kind === 'announcement.summary')).toHaveLength(6);
  });

  it('redraw the summary (no line) when roles change, and tell nothing of a note', () => {
    d = new Domain({ settings: ANNOUNCING });
    const incident = d.declare(ALICE, { severity: 'sev1' });
    const before = announcementRows(incident.id).length;
    d.service.addNote(incident.id, 'looking', ALICE);
    expect(announcementRows(incident.id)).toHaveLength(before);
    d.service.handOff(incident.id, 'commander', BOB, actor(ALICE));
    expect(
      announcementRows(incident.id)
        .slice(before)
        .map((e) => e.kind),
    ).toEqual(['announcement.summary']);
  });

  it("thread the report's link once, when it is known", () => {
    d = new Domain({ settings: ANNOUNCING });
    const incident = d.declare(ALICE, { severity: 'sev1' });
    d.service.resolve(incident.id, actor(ALICE), null);
    const report = { url: 'https://github.com/acme/reports/pull/7', file: null, issues: 0, edited: false };
    d.service.postmortemPublished(incident.id, 'pm-1', report);
    d.service.postmortemPublished(incident.id, 'pm-2', report);
    expect(lines(incident.id).filter((l) => (l as { type: string }).type === 'report')).toEqual([
      { type: 'report', url: report.url },
    ]);
  });

  it('announce a page at the threshold, keyed by its delivery so a redelivery adds nothing', () => {
    d = new Domain({ settings: ANNOUNCING });
    const opened = d.service.applyExternal(pagerEvent('triggered', 'd-1', START, { snapshot: { severity: 'sev1' } }));
    const id = opened.incidentId!;
    expect(announcementRows(id).map((e) => e.kind)).toEqual(['announcement.summary']);
    d.service.applyExternal(pagerEvent('priority_updated', 'd-2', START + MINUTE, { snapshot: { severity: 'sev3' } }));
    d.service.applyExternal(pagerEvent('priority_updated', 'd-2', START + MINUTE, { snapshot: { severity: 'sev3' } }));
    expect(lines(id)).toEqual([{ type: 'severity', from: 'sev1', to: 'sev3', by: 'Pat Pager' }]);
  });

  it('never announce a private incident, not even when raised or asked to', () => {
    d = new Domain({ settings: ANNOUNCING });
    const incident = d.declare(ALICE, { severity: 'sev1', private: true });
    d.service.setSeverity(incident.id, 'sev2', actor(ALICE));
    d.service.resolve(incident.id, actor(ALICE), null);
    expect(d.service.announceNow(incident.id, 'automation-1')).toBe('private');
    expect(announcementRows(incident.id)).toEqual([]);
  });

  it('announce nothing when no announcement channel is configured', () => {
    d = new Domain();
    const incident = d.declare(ALICE, { severity: 'sev1' });
    d.service.setSeverity(incident.id, 'sev2', actor(ALICE));
    expect(d.service.announceNow(incident.id, 'automation-1')).toBe('not_configured');
    expect(announcementRows(incident.id)).toEqual([]);
  });

  describe('announceNow', () => {
    it('announces a quieter incident whatever its severity, once however often it is asked', () => {
      d = new Domain({ settings: ANNOUNCING });
      const incident = d.declare(ALICE, { severity: 'sev4' });
      expect(d.service.announceNow(incident.id, 'automation-1')).toBe('announced');
      expect(d.service.announceNow(incident.id, 'automation-1')).toBe('already_announced');
      expect(announcementRows(incident.id).map((e) => e.kind)).toEqual(['announcement.summary']);
      // From then on it is kept current like any other.
      d.service.setSeverity(incident.id, 'sev3', actor(ALICE));
      expect(lines(incident.id)).toEqual([{ type: 'severity', from: 'sev4', to: 'sev3', by: ALICE }]);
    });

    it('refuses an incident that does not exist', () => {
      d = new Domain({ settings: ANNOUNCING });
      d.refused(() => d.service.announceNow(42, 'automation-1'), 'not_found');
    });
  });
});
