import { Database, type Db } from '../src/db/sqlite-driver.ts';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../src/sandbox/fake-slack/server.ts';
import { slackSignatureHeaders, slashCommandBody } from '../src/sandbox/sign-slack-request.ts';
import { runCli, startChildBot } from './helpers/child-bot.ts';
import { ALICE, SIGNING_SECRET, eventually, tempDir, testEnv } from './helpers/test-bot.ts';

describe('incident-bot backup', () => {
  it('copies the database while the bot runs, and a bot started on the copy has every incident and event', async () => {
    const tmp = tempDir();
    const slack = await new FakeSlack({ users: [ALICE] }).start();
    const dbPath = join(tmp.dir, 'live.db');
    const env = testEnv(slack, dbPath);
    const bot = await startChildBot(env);
    try {
      const command = async (text: string, channel = 'C0GENERAL') => {
        const body = slashCommandBody({ text, userId: ALICE.id, channelId: channel });
        const res = await fetch(`${bot.url}/slack/events`, {
          method: 'POST',
          body,
          headers: {
            'content-type': 'application/x-www-form-urlencoded',
            ...slackSignatureHeaders(SIGNING_SECRET, body),
          },
        });
        expect(res.status).toBe(200);
      };
      for (let i = 0; i < 5; i++) await command(`declare Backed up ${i} sev3`);
      await eventually(() => [...slack.ws.channels.values()].length === 5);
      const channel = [...slack.ws.channels.values()][0]!.id;
      for (let i = 0; i < 20; i++) await command(`note event ${i}`, channel);

      const target = join(tmp.dir, 'copy.db');
      const backup = await runCli(['backup', target], { DATABASE_PATH: dbPath });
      expect(backup.code).toBe(0);
      expect(backup.stderr).toMatch(/backup: 100 % \(\d+\/\d+ pages\)/);
      const live = new Database(dbPath, { readonly: true });
      const count = (db: Db, t: string) => db.prepare(`SELECT count(*) FROM ${t}`).pluck().get() as number;
      const [incidents, events] = [count(live, 'incidents'), count(live, 'timeline_events')];
      live.close();
      expect(backup.stdout).toMatch(
        new RegExp(
          `^Backed up .*live\\.db to .*copy\\.db: [\\d,]+ bytes, ${incidents} incidents, ${events} timeline events; integrity ok\\.\\n$`,
        ),
      );
      expect(incidents).toBe(5);

      // A file that exists is not overwritten unless asked.
      const again = await runCli(['backup', target], { DATABASE_PATH: dbPath });
      expect(again).toMatchObject({
        code: 1,
        stderr: `incident-bot: ${target} exists; choose another file, or add --force to replace it\n`,
      });
      expect((await runCli(['backup', target, '--force'], { DATABASE_PATH: dbPath })).code).toBe(0);

      // Restore = start on the copy.
      const restored = new Database(target, { readonly: true });
      expect([count(restored, 'incidents'), count(restored, 'timeline_events')]).toEqual([incidents, events]);
      expect(restored.prepare("SELECT count(*) FROM timeline_events WHERE kind = 'note'").pluck().get()).toBe(20);
      restored.close();
      const second = await startChildBot({ ...env, DATABASE_PATH: target });
      second.proc.kill('SIGTERM');
      expect(await second.exited).toBe(0);
    } finally {
      bot.proc.kill('SIGKILL');
      await slack.stop();
      tmp.cleanup();
    }
  }, 60_000);
});
