/**
 * The outbox worker's look for due rows (`OutboxRepository.heads`), as the backlog of a storm grows:
 * 20, 200 and (full run) 2,000 incidents with rows pending, on SQLite and on PostgreSQL. The worker
 * looks after deliveries end, for up to a tenth of its time (`lookShare`), so what one look costs is
 * what that tenth buys: the cheaper a look, the sooner a new room's row is found. The floor is the
 * walk over the ordering keys alone, one index seek per key and no row read: what the look adds to it
 * is reading each key's head. Real schema (the migrations), the real repository.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { openPostgres } from '../../src/db/postgres/pg-database.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { benchDatabaseUrl } from '../lib/postgres.ts';
import { micros, summarise, withFloor, type Figure, type Suite } from '../lib/stats.ts';

/** Rows pending per incident: a room's dozen effects, less what was delivered. */
const ROWS_PER_KEY = 10;
/** What the worker asks for with its default settings: 8 slots × 10 (a look's share), plus 32. */
const LIMIT = 112;
/** About what a notice's row carries: its text, blocks and where it goes. */
const PAYLOAD = {
  channel: 'C0BENCH0001',
  text: 'Acknowledged by Ann Example via PagerDuty. '.repeat(4),
  blocks: [
    { type: 'section', text: { type: 'mrkdwn', text: '*Acknowledged* by Ann Example via PagerDuty'.repeat(3) } },
  ],
  notice: { type: 'acknowledged', via: 'PagerDuty', by: 'Ann Example' },
};

const KEYS_WALK = `WITH RECURSIVE keys (k) AS (
    SELECT (SELECT min(ordering_key) FROM outbox WHERE state = 'pending')
    UNION ALL
    SELECT (SELECT min(ordering_key) FROM outbox WHERE state = 'pending' AND ordering_key > keys.k)
    FROM keys WHERE keys.k IS NOT NULL
  )
  SELECT count(k) FROM keys`;

/** Grows the backlog to `keys` incidents with ROWS_PER_KEY rows each (the keys already there are kept). */
function grow(repo: OutboxRepository, db: Db, from: number, keys: number, now: number): void {
  db.transaction(() => {
    for (let k = from; k < keys; k++)
      repo.enqueueAll(
        Array.from({ length: ROWS_PER_KEY }, (_, n) => ({
          kind: n === 0 ? 'slack.open_room' : 'slack.notice',
          orderingKey: `incident:${String(k).padStart(6, '0')}`,
          incidentId: null,
          payload: { ...PAYLOAD, n },
          idempotencyKey: `bench:${k}:${n}`,
          priority: n === 0 ? -1 : 0,
        })),
        now,
      );
  })();
}

async function measure(engine: 'sqlite' | 'postgres', sizes: number[], runs: number): Promise<Figure[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-outbox-look-'));
  const db = engine === 'postgres' ? openPostgres({ url: await benchDatabaseUrl() }) : openDatabase(join(dir, 'b.db'));
  const figures: Figure[] = [];
  try {
    if (engine === 'sqlite') migrate(db);
    const repo = new OutboxRepository(db);
    const walk = db.prepare(KEYS_WALK).pluck();
    const now = Date.now();
    let stored = 0;
    for (const size of sizes) {
      grow(repo, db, stored, size, now);
      stored = size;
      if (Number(walk.get()) !== size) throw new Error(`outbox-look: expected ${size} keys pending`);
      const found = repo.heads(now, LIMIT, [], 'bench').length;
      if (found !== Math.min(size, LIMIT)) throw new Error(`outbox-look: ${found} heads for ${size} keys`);
      const look: number[] = [];
      const keysOnly: number[] = [];
      // Taking turns, so that a slow stretch of this VM lands on both.
      for (let i = 0; i < runs; i++) {
        look.push(micros(() => repo.heads(now, LIMIT, [], 'bench')));
        keysOnly.push(micros(() => walk.get()));
      }
      const name = engine === 'postgres' ? 'PostgreSQL' : 'SQLite';
      figures.push({
        ...withFloor(
          summarise(
            'outbox-look',
            `one look, ${size.toLocaleString('en')} incidents with rows pending (${name})`,
            'µs',
            look,
          ),
          'the walk over the keys alone',
          keysOnly,
        ),
        scale: { series: 'one look', size, of: 'incidents with rows pending' },
        ...(engine === 'postgres' ? { engine } : {}),
      });
    }
  } finally {
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
  return figures;
}

export const outboxLook: Suite = {
  name: 'outbox-look',
  async run({ quick }) {
    const sizes = quick ? [20, 200] : [20, 200, 2_000];
    const runs = quick ? 100 : 400;
    return [...(await measure('sqlite', sizes, runs)), ...(await measure('postgres', sizes, runs))];
  },
};
