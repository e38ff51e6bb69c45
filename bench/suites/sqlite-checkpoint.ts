/**
 * What copying the WAL back into the database file costs the thread that writes. The bot's writes
 * with SQLite checkpointing after the commit that filled 1,000 pages (the floor: what SQLite does by
 * itself), against the same writes with the checkpoint thread (src/db/checkpoint-thread.ts) running
 * beside them. Each write is what `/incident note` stores: the replay guard's signature, then the
 * timeline event in a transaction, through the real repositories on the real schema, in a file
 * database opened as the bot opens it. A turn of the event loop between every 20 notes, as between
 * bursts of requests, so the thread gets its turns as it would. Both take turns (A B A B): a slow
 * stretch of this shared machine falls on each alike.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCheckpointThread } from '../../src/db/checkpoint-thread.ts';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { micros, summarise, withFloor, type Suite } from '../lib/stats.ts';

/** A write over this stalled every request queued behind it. */
const STALL_MS = 5;
const PER_TURN = 20;

interface Round {
  /** µs per note's writes. */
  times: number[];
  /** The writer's time for the round, ms. */
  busyMs: number;
  largestWal: number;
}

async function round(threaded: boolean, notes: number): Promise<Round> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-checkpoint-'));
  const path = join(dir, 'bench.db');
  const db = openDatabase(path);
  const thread = threaded ? startCheckpointThread(db, createLogger('silent')) : undefined;
  try {
    migrate(db);
    const incidents = new IncidentRepository(db);
    const seen = new SeenRequestRepository(db);
    const id = incidents.insert({
      title: 'Bench checkpoints',
      description: null,
      severity: 'sev3',
      source: 'slack',
      externalId: null,
      declaredBy: 'U0BENCH00',
      declaredAt: Date.now(),
    });
    const note = db.transaction((body: string) =>
      incidents.appendEvent({ incidentId: id, at: Date.now(), kind: 'note', actor: 'U0BENCH00', body }),
    );
    const started = performance.now();
    while (thread && !thread.running) {
      if (performance.now() - started > 10_000) throw new Error('the checkpoint thread did not start in 10 s');
      await new Promise((r) => setTimeout(r, 5));
    }
    const body = `bench note ${'x'.repeat(200)}`;
    const times: number[] = [];
    let largestWal = 0;
    for (let i = 0; i < notes; i++) {
      times.push(
        micros(() => {
          seen.firstSeen('slack', `v0=${randomBytes(32).toString('hex')}`, Date.now());
          note(body);
        }),
      );
      if (i % PER_TURN === PER_TURN - 1) {
        largestWal = Math.max(largestWal, statSync(`${path}-wal`).size);
        await new Promise((r) => setImmediate(r));
      }
    }
    return { times, busyMs: times.reduce((a, b) => a + b, 0) / 1000, largestWal };
  } finally {
    await thread?.stop();
    db.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

export const sqliteCheckpoint: Suite = {
  name: 'sqlite-checkpoint',
  async run({ quick }) {
    const notes = quick ? 5_000 : 20_000;
    const rounds = quick ? 1 : 3;
    const runs = { own: [] as Round[], thread: [] as Round[] };
    // Warm (JIT, the page cache) before anything is measured.
    await round(false, 1_000);
    await round(true, 1_000);
    for (let r = 0; r < rounds; r++) {
      runs.own.push(await round(false, notes));
      runs.thread.push(await round(true, notes));
    }
    const pooled = (rs: Round[]) => rs.flatMap((x) => x.times);
    const stalls = (rs: Round[]) => pooled(rs).filter((t) => t > STALL_MS * 1000).length;
    const wal = (rs: Round[]) => Math.max(...rs.map((x) => x.largestWal)) / 1e6;
    const busy = (rs: Round[]) => rs.map((x) => x.busyMs);
    const of = `${rounds} × ${notes.toLocaleString('en')} notes`;
    const floorName = "SQLite's own checkpoints, in the writing thread";
    return [
      withFloor(
        {
          ...summarise(
            'sqlite-checkpoint',
            `a note's writes (replay guard, then its event), checkpoint thread`,
            'µs',
            pooled(runs.thread),
          ),
          note: `${of}; writes over ${STALL_MS} ms: ${stalls(runs.thread)} (floor ${stalls(runs.own)}); largest WAL ${wal(runs.thread).toFixed(1)} MB (floor ${wal(runs.own).toFixed(1)} MB)`,
        },
        floorName,
        pooled(runs.own),
      ),
      withFloor(
        {
          ...summarise(
            'sqlite-checkpoint',
            `the writing thread's time for ${notes.toLocaleString('en')} notes, checkpoint thread`,
            'ms',
            busy(runs.thread),
          ),
          note: of,
        },
        floorName,
        busy(runs.own),
      ),
    ];
  },
};
