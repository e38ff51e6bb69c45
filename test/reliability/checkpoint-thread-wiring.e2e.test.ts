import { statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, startTestBot, tempDir } from '../helpers/test-bot.ts';

describe('the bot on SQLite checkpoints its WAL from a thread of its own while it writes much', () => {
  it('an idle bot has no thread; a burst of writes starts it, and its pages reach the database file; a stop closes the database', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE, BOB] }).start();
    const path = join(tmp.dir, 'bot.db');
    const bot = await startTestBot(slack, path);
    const db = bot.app.db;
    const ownPages = () => db.pragma('wal_autocheckpoint', { simple: true });
    try {
      // A look a second: two of them without writes.
      await new Promise((r) => setTimeout(r, 2200));
      expect(ownPages()).toBe(1000);
      db.exec('CREATE TABLE scratch (body TEXT)');
      const row = db.prepare('INSERT INTO scratch (body) VALUES (?)');
      const write = (n: number) => {
        for (let i = 0; i < n; i++) row.run('x'.repeat(4096));
      };
      write(100);
      const end = Date.now() + 10_000;
      while (ownPages() !== 4000) {
        if (Date.now() > end) throw new Error('the checkpoint thread never started');
        await new Promise((r) => setTimeout(r, 10));
      }
      // The minute's TRUNCATE, run now among writes while the thread checkpoints: held off, never busy.
      const truncated = [];
      for (let i = 0; i < 50; i++) {
        write(10);
        await new Promise((r) => setTimeout(r, 2));
        truncated.push(bot.app.checkpoint().busy);
      }
      expect(truncated).toEqual(Array(50).fill(false));
      while (ownPages() !== 4000) {
        if (Date.now() > end) throw new Error('the checkpoint thread stopped');
        write(10);
        await new Promise((r) => setTimeout(r, 10));
      }
      const before = statSync(path).size;
      write(100);
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
