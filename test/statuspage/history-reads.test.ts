import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { UpdateRepository } from '../../src/incidents/update-repository.ts';
import { openTestDatabase } from '../helpers/test-database.ts';

const MIN = 60_000;
const DAY = 86_400_000;
const NOW = 400 * DAY;
const SINCE = NOW - 90 * DAY;

/** An incident declared `daysAgo` days before NOW, published or not, resolved or open, with public and internal updates. */
function seeder(db: Db) {
  const incidents = new IncidentRepository(db);
  const updates = new UpdateRepository(db);
  return (daysAgo: number, o: { published: boolean; open?: boolean; publicUpdates: number }) => {
    const at = NOW - daysAgo * DAY;
    const id = incidents.insert({
      title: `${daysAgo} days ago`,
      description: null,
      severity: 'sev2',
      source: 'slack',
      externalId: null,
      declaredBy: 'U1',
      declaredAt: at,
    });
    const update = (m: number, isPublic: boolean) =>
      updates.addUpdate({
        incidentId: id,
        at: at + m * MIN,
        status: 'investigating',
        body: `${isPublic ? 'public' : 'internal'} ${m}`,
        author: 'U1',
        public: isPublic,
        components: [],
      });
    for (let m = 1; m <= o.publicUpdates; m++) update(m, true);
    update(30, false);
    incidents.update(
      id,
      {
        ...(o.open ? {} : { status: 'resolved', resolvedAt: at + 60 * MIN }),
        ...(o.published ? { publicAt: at } : {}),
      },
      at + 60 * MIN,
    );
    return id;
  };
}

describe("the status page's history", () => {
  let dir: string;
  let db: Db;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'history-reads-'));
  });
  afterEach(() => {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads the public updates of many incidents together, each its own, newest first', () => {
    db = openTestDatabase(join(dir, 'bot.db'));
    migrate(db);
    const add = seeder(db);
    // More than one read's worth (a hundred), some without a public word yet.
    const ids = Array.from({ length: 230 }, (_, n) => add(1 + n / 10, { published: true, publicUpdates: n % 4 }));
    const updates = new UpdateRepository(db);
    const read = updates.publicUpdatesOf(ids);
    expect([...read.keys()]).toEqual(ids);
    for (const id of ids) expect(read.get(id)).toEqual(updates.publicUpdates(id));
    expect(read.get(ids[3]!)!.map((u) => u.body)).toEqual(['public 3', 'public 2', 'public 1']);
    expect(read.get(ids[4]!)).toEqual([]);
    expect(updates.publicUpdatesOf([])).toEqual(new Map());
  });

  it('lists published incidents of the window only, newest first', () => {
    db = openTestDatabase(join(dir, 'bot.db'));
    migrate(db);
    const add = seeder(db);
    add(1, { published: true, open: true, publicUpdates: 2 });
    add(2, { published: true, publicUpdates: 3 });
    add(3, { published: false, publicUpdates: 2 }); // never published: on no page
    add(4, { published: true, publicUpdates: 0 }); // published, no public word yet
    add(120, { published: true, publicUpdates: 2 }); // resolved before the window
    const updates = new UpdateRepository(db);
    expect(updates.publicIncidents(SINCE, 10, 0).map((i) => i.title)).toEqual([
      '1 days ago',
      '2 days ago',
      '4 days ago',
    ]);
    expect(updates.publicIncidents(SINCE, 1, 1).map((i) => i.title)).toEqual(['2 days ago']);
    expect(updates.publicIncidentCount(SINCE)).toBe(3);
    expect(updates.publicOpenIncidents(10).map((i) => i.title)).toEqual(['1 days ago']);
    expect(updates.recentPublicUpdates(2).map((u) => u.body)).toEqual(['public 2', 'public 1']);
  });

  it('keeps incidents declared in the same millisecond in one order, the newer first, page after page', () => {
    db = openTestDatabase(join(dir, 'bot.db'));
    migrate(db);
    const add = seeder(db);
    const ids = [1, 2, 3, 4].map(() => add(5, { published: true, open: true, publicUpdates: 1 }));
    const newerFirst = [...ids].reverse();
    const updates = new UpdateRepository(db);
    const pages = () => [0, 2].flatMap((offset) => updates.publicIncidents(SINCE, 2, offset).map((i) => i.id));
    expect(pages()).toEqual(newerFirst);
    expect(updates.publicOpenIncidents(10).map((i) => i.id)).toEqual(newerFirst);
    // Resolving one moves it nowhere.
    new IncidentRepository(db).update(ids[1]!, { status: 'resolved', resolvedAt: NOW }, NOW);
    expect(pages()).toEqual(newerFirst);
  });

  describe('read from indexes that hold only what the page shows (SQLite plans)', () => {
    /** The plan of each statement the repository prepared, by the first words of its SQL. */
    let plans: (start: string) => string[];

    beforeEach(() => {
      const real = openDatabase(join(dir, 'bot.db'));
      migrate(real);
      const prepared: string[] = [];
      db = new Proxy(real, {
        get(target, prop, receiver) {
          if (prop !== 'prepare') return Reflect.get(target, prop, receiver) as unknown;
          return (sql: string) => (prepared.push(sql), target.prepare(sql));
        },
      });
      plans = (start) => {
        const sql = prepared.find((s) => s.replace(/\s+/g, ' ').startsWith(start));
        if (!sql) throw new Error(`no statement starts with ${start}`);
        const args = (sql.match(/\?/g) ?? []).map(() => 0);
        return real
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...args)
          .map((r) => (r as { detail: string }).detail);
      };
      new UpdateRepository(db);
    });

    it('finds the open published incidents without walking the past ones', () => {
      const plan = plans(`SELECT * FROM incidents WHERE public_at IS NOT NULL AND status <> 'resolved'`);
      expect(plan).toEqual(['SCAN incidents USING INDEX incidents_public_open']);
    });

    it("reads the feed's latest public updates newest first, without sorting every one", () => {
      const plan = plans('SELECT u.* FROM incident_updates u JOIN incidents i');
      expect(plan[0]).toBe('SCAN u USING INDEX incident_updates_public_recent');
      expect(plan.join('\n')).not.toMatch(/TEMP B-TREE/);
    });

    it('walks only published incidents for a page of the past ones, and counts them from the index alone', () => {
      // In the page's order, ties included: no sort, and the walk stops at the page's end.
      expect(plans('SELECT * FROM incidents WHERE public_at IS NOT NULL AND (resolved_at')).toEqual([
        'SCAN incidents USING INDEX incidents_published',
      ]);
      expect(plans('SELECT count(*) FROM incidents WHERE public_at IS NOT NULL')).toEqual([
        'SCAN incidents USING COVERING INDEX incidents_published',
      ]);
    });

    it('reads the updates of many incidents by their ids, from the index by incident', () => {
      const plan = plans('SELECT * FROM incident_updates WHERE public = 1 AND incident_id IN');
      expect(plan[0]).toBe('SEARCH incident_updates USING INDEX incident_updates_by_incident (incident_id=?)');
    });
  });
});
