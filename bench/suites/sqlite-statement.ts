/**
 * What one SQLite statement costs on the ack path of a command, warm and cold. The floor is the
 * statement run back to back (its caches warm); the measure is the same statement run alone after
 * 10 ms without work, as each request finds it at 100 req/s, when other processes (the load
 * generator, the fake Slack) have had the CPU in between. Shows why, at that rate, a command's ack
 * costs about what the number of statements on its path says, whatever each of them does: read
 * with bench/README.md's "Where the time goes" for command ack. Real schema (the migrations),
 * the real repositories, a file database in WAL mode as the bot opens it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { migrate } from '../../src/db/migrate.ts';
import { openDatabase } from '../../src/db/open.ts';
import { SeenRequestRepository } from '../../src/inbox/seen-requests.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { micros, summarise, withFloor, type Figure, type Suite } from '../lib/stats.ts';

/** The gap between two requests at 100 req/s. */
const IDLE_MS = 10;
/** Incidents stored beside the one looked up, and signatures already recorded (5 minutes at 100 req/s). */
const INCIDENTS = 1_000;
const SIGNATURES = 30_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const signature = () => `v0=${randomBytes(32).toString('hex')}`;

export const sqliteStatement: Suite = {
  name: 'sqlite-statement',
  async run({ quick }) {
    const dir = mkdtempSync(join(tmpdir(), 'bench-sqlite-'));
    const db = openDatabase(join(dir, 'bench.db'));
    try {
      migrate(db);
      const incidents = new IncidentRepository(db);
      const seen = new SeenRequestRepository(db);
      const now = Date.now();
      db.transaction(() => {
        for (let i = 0; i < INCIDENTS; i++) {
          const id = incidents.insert({
            title: `Incident ${i}`,
            description: null,
            severity: 'sev3',
            source: 'slack',
            externalId: null,
            declaredBy: 'U0BENCH00',
            declaredAt: now,
          });
          incidents.setChannel(id, `C${String(i).padStart(8, '0')}`, `inc-${i}`, now);
        }
        for (let i = 0; i < SIGNATURES; i++) seen.firstSeen('slack', signature(), now - 300_000 + i * 10);
      })();
      const channel = `C${String(INCIDENTS / 2).padStart(8, '0')}`;
      const statements: { measure: string; run: () => unknown }[] = [
        {
          measure: 'incident by channel (a read: every command in a channel)',
          run: () => incidents.byChannel(channel),
        },
        {
          measure: 'replay guard, one signature recorded (a write and its commit: every signed request)',
          run: () => seen.firstSeen('slack', signature(), Date.now()),
        },
      ];
      const n = quick ? 100 : 400;
      const figures: Figure[] = [];
      for (const s of statements) {
        const warm: number[] = [];
        const cold: number[] = [];
        for (let i = 0; i < 200; i++) s.run();
        for (let i = 0; i < n; i++) warm.push(micros(s.run));
        for (let i = 0; i < n; i++) {
          await sleep(IDLE_MS);
          cold.push(micros(s.run));
        }
        figures.push(
          withFloor(
            {
              ...summarise('sqlite-statement', `${s.measure}, after ${IDLE_MS} ms idle`, 'µs', cold),
              note: `${INCIDENTS.toLocaleString('en')} incidents, ${SIGNATURES.toLocaleString('en')} signatures stored`,
            },
            'the same statement back to back',
            warm,
          ),
        );
      }
      return figures;
    } finally {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
