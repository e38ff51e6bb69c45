import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, migrate, readMigrations } from '../../src/db/migrate.ts';
import { openDatabase, type Db } from '../../src/db/open.ts';
import { tempDir } from '../helpers/test-bot.ts';

describe('migrations', () => {
  let tmp: ReturnType<typeof tempDir>;
  let db: Db;
  beforeEach(() => {
    tmp = tempDir();
    db = openDatabase(join(tmp.dir, 'nested', 'bot.db'));
  });
  afterEach(() => {
    db.close();
    tmp.cleanup();
  });

  it('opens the database in WAL mode with foreign keys on', () => {
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
  });

  it('applies the project migrations once each, in order, and records them', () => {
    const all = readMigrations(MIGRATIONS_DIR).map((m) => `${String(m.version).padStart(3, '0')}_${m.name}`);
    expect(migrate(db)).toEqual(all);
    expect(migrate(db)).toEqual([]);
    const recorded = db.prepare('SELECT version FROM schema_migrations ORDER BY version').pluck().all();
    expect(recorded).toEqual(readMigrations(MIGRATIONS_DIR).map((m) => m.version));
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(
      expect.arrayContaining(['incidents', 'timeline_events', 'incident_roles', 'inbox', 'outbox']),
    );
  });

  it('rolls back a failing migration whole and applies nothing after it', () => {
    const dir = join(tmp.dir, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '001_ok.sql'), 'CREATE TABLE a (x INTEGER);');
    writeFileSync(join(dir, '002_broken.sql'), 'CREATE TABLE b (x INTEGER); INSERT INTO nowhere VALUES (1);');
    writeFileSync(join(dir, '003_later.sql'), 'CREATE TABLE c (x INTEGER);');
    expect(() => migrate(db, dir)).toThrow(/Migration 002_broken failed: no such table: nowhere/);
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name").pluck().all();
    expect(tables).toEqual(['a', 'schema_migrations']);
    expect(db.prepare('SELECT version FROM schema_migrations').pluck().all()).toEqual([1]);
  });

  it('refuses files that are not named NNN_name.sql', () => {
    const dir = join(tmp.dir, 'migrations');
    mkdirSync(dir);
    writeFileSync(join(dir, '1-oops.sql'), 'SELECT 1;');
    expect(() => migrate(db, dir)).toThrow('Migration file 1-oops.sql must be named NNN_name.sql');
  });

  it('keeps the timeline append-only', () => {
    migrate(db);
    db.prepare(
      `INSERT INTO incidents (title, severity, source, declared_by, declared_at, updated_at)
      VALUES ('t', 'sev1', 'slack', 'U1', 0, 0)`,
    ).run();
    db.prepare("INSERT INTO timeline_events (incident_id, at, kind) VALUES (1, 0, 'declared')").run();
    expect(() => db.prepare("UPDATE timeline_events SET kind = 'x'").run()).toThrow('timeline_events is append-only');
    expect(() => db.prepare('DELETE FROM timeline_events').run()).toThrow('timeline_events is append-only');
  });
});
