import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { Db } from '../../src/db/open.ts';
import { migrate } from '../../src/db/migrate.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { HEARTBEAT_MS, REPLICA_LIVE_MS, ReplicaHeartbeat, startHeartbeatJob } from '../../src/scheduler/heartbeat.ts';
import { eventually, tempDir } from '../helpers/test-bot.ts';
import { openTestDatabase } from '../helpers/test-database.ts';

describe('the replica heartbeat', () => {
  const t0 = Date.UTC(2025, 0, 6, 9);
  const opened: Db[] = [];
  let tmp: ReturnType<typeof tempDir> | undefined;
  afterEach(() => {
    for (const db of opened.splice(0)) db.close();
    tmp?.cleanup();
  });

  /** One replica on its own connection to the shared database, on its own clock. */
  function replica(path: string, id: string) {
    const db = openTestDatabase(path);
    opened.push(db);
    migrate(db);
    const clock = { now: t0 };
    return { clock, heartbeat: new ReplicaHeartbeat(db, id, () => clock.now) };
  }

  it('counts the live replicas at each beat, itself included, and keeps the count between beats', () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'bot.db');
    const a = replica(path, 'host-a:100:aaaaaa');
    const b = replica(path, 'host-b:200:bbbbbb');
    expect(a.heartbeat.live).toBe(1);
    a.heartbeat.beat();
    expect(a.heartbeat.live).toBe(1);
    b.heartbeat.beat();
    expect(b.heartbeat.live).toBe(2);
    // A learns of B at its own next beat, not before: the count is read from memory between beats.
    expect(a.heartbeat.live).toBe(1);
    a.clock.now += HEARTBEAT_MS;
    a.heartbeat.beat();
    expect(a.heartbeat.live).toBe(2);

    // B goes silent (killed): once its row is older than three beats, A stops counting it.
    a.clock.now = t0 + REPLICA_LIVE_MS;
    a.heartbeat.beat();
    expect(a.heartbeat.live).toBe(1);

    // B comes back, then stops cleanly: its row goes at once.
    b.clock.now = a.clock.now;
    b.heartbeat.beat();
    a.heartbeat.beat();
    expect(a.heartbeat.live).toBe(2);
    b.heartbeat.leave();
    a.heartbeat.beat();
    expect(a.heartbeat.live).toBe(1);
  });

  it('gives each live replica its place among them, the same order seen from each', () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'bot.db');
    const [c, a, b] = ['host-c:300:cccccc', 'host-a:100:aaaaaa', 'host-b:200:bbbbbb'].map((id) => replica(path, id));
    for (const r of [c!, a!, b!]) r.heartbeat.beat();
    for (const r of [c!, a!, b!]) r.heartbeat.count();
    expect([a!, b!, c!].map((r) => [r.heartbeat.live, r.heartbeat.rank])).toEqual([
      [3, 0],
      [3, 1],
      [3, 2],
    ]);
    // A stops: the others move up, so that the places stay 0 … n-1 and no remainder goes unused.
    a!.heartbeat.leave();
    for (const r of [b!, c!]) r.heartbeat.count();
    expect([b!, c!].map((r) => [r.heartbeat.live, r.heartbeat.rank])).toEqual([
      [2, 0],
      [2, 1],
    ]);
  });

  it('counts itself in, in the place after the others, while its own beat is not yet written', () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'bot.db');
    const a = replica(path, 'host-a:100:aaaaaa');
    const z = replica(path, 'host-z:900:zzzzzz');
    a.heartbeat.beat();
    z.heartbeat.count();
    // Z counts itself in (A and Z: two) and takes the place after A.
    expect([z.heartbeat.live, z.heartbeat.rank]).toEqual([2, 1]);
    a.heartbeat.count();
    expect([a.heartbeat.live, a.heartbeat.rank]).toEqual([1, 0]);
    const b = replica(path, 'host-b:200:bbbbbb');
    z.heartbeat.beat();
    b.heartbeat.count();
    // B is not in the table yet: it counts A, Z and itself, in the place after theirs (no remainder there).
    expect([b.heartbeat.live, b.heartbeat.rank]).toEqual([3, 2]);
  });

  it('learns of a replica that joins between its own beats, not at its next one', async () => {
    tmp = tempDir();
    const path = join(tmp.dir, 'bot.db');
    const b = replica(path, 'host-b:200:bbbbbb');
    // A on the real clock, so that each of its beats leaves its mark in its row.
    const onA = openTestDatabase(path);
    opened.push(onA);
    const seenAtA = () =>
      Number(onA.prepare('SELECT seen_at FROM replicas WHERE id = ?').pluck().get('host-a:100:aaaaaa'));
    const heartbeat = new ReplicaHeartbeat(onA, 'host-a:100:aaaaaa', () => Date.now());
    const job = startHeartbeatJob(heartbeat, createLogger('silent'));
    try {
      // Just after one of A's scheduled beats, so that its next is 10 s away.
      const first = seenAtA();
      await eventually(() => seenAtA() > first, 15_000, "A's scheduled beat");
      const beaten = seenAtA();
      b.clock.now = Date.now();
      b.heartbeat.beat(); // B starts
      await eventually(() => heartbeat.live === 2, 15_000, 'A counting B');
      expect(seenAtA()).toBe(beaten); // counted between beats
      b.heartbeat.leave();
      await eventually(() => heartbeat.live === 1, 15_000, 'A no longer counting B');
    } finally {
      job.stop();
    }
  });
});
