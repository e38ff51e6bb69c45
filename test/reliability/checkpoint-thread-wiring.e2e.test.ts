import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, startTestBot, tempDir } from '../helpers/test-bot.ts';

describe('the bot on SQLite checkpoints its WAL from a thread of its own', () => {
  it('from its start, its connection checkpoints only every 4,000 pages, and a stop hands checkpoints back before closing', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB] }).start();
    const path = join(tmp.dir, 'bot.db');
    const bot = await startTestBot(slack, path);
    const db = bot.app.db;
    try {
      const end = Date.now() + 10_000;
      while (db.pragma('wal_autocheckpoint', { simple: true }) !== 4000) {
        if (Date.now() > end) throw new Error('the checkpoint thread never started');
        await new Promise((r) => setTimeout(r, 10));
      }
      // Pages the bot writes reach the database file without its connection checkpointing them.
      const before = statSync(path).size;
      db.exec('CREATE TABLE scratch (body TEXT)');
      const row = db.prepare('INSERT INTO scratch (body) VALUES (?)');
      for (let i = 0; i < 100; i++) row.run('x'.repeat(4096));
      while (statSync(path).size < before + 100 * 4096) {
        if (Date.now() > end) throw new Error('the thread copied nothing into the database file');
        await new Promise((r) => setTimeout(r, 10));
      }
    } finally {
      await bot.app.stop(0);
      await slack.stop();
      tmp.cleanup();
    }
    expect(db.open).toBe(false);
  });
});
