import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FakeSlack } from '../../src/sandbox/fake-slack/server.ts';
import { ALICE, BOB, CAROL, eventually, settled, startTestBot, tempDir } from '../helpers/test-bot.ts';

/**
 * The status page keeps its renderings until something public changes, without asking the database
 * on every read: a change this replica commits shows on the very next read, one another replica
 * commits within the recheck interval (one second).
 */
describe('the status page after a change', () => {
  it("shows this replica's own change on the next read, and another replica's within about a second", async () => {
    const tmp = tempDir();
    writeFileSync(join(tmp.dir, 'settings.yaml'), 'components:\n  - { id: api, name: API }\n');
    const env = { CONFIG_PATH: join(tmp.dir, 'settings.yaml') };
    const slack = await new FakeSlack({ users: [ALICE, BOB, CAROL] }).start();
    const dbPath = join(tmp.dir, 'bot.db');
    const a = await startTestBot(slack, dbPath, { env, replicaId: 'replica-a:4201:aaaaaa' });
    const b = await startTestBot(slack, dbPath, { env, replicaId: 'replica-b:4202:bbbbbb' });
    const summary = async (url: string) =>
      (await (await fetch(`${url}/api/v2/summary.json`)).json()) as {
        incidents: { name: string }[];
        components: { id: string; status: string }[];
      };
    try {
      // Both pages rendered and kept before anything happens.
      expect((await summary(a.app.url)).incidents).toEqual([]);
      expect((await summary(b.app.url)).incidents).toEqual([]);

      await a.command('declare Checkout errors sev2');
      const incident = await eventually(() => a.app.incidents.listOpen().find((i) => i.channelId));
      await settled(a.app);
      await a.command('update investigating Some checkouts fail. --public --components api:major', {
        channel: incident.channelId!,
      });
      // A committed it: A's very next read shows it.
      const onA = await summary(a.app.url);
      expect(onA.incidents.map((i) => i.name)).toEqual(['Checkout errors']);
      expect(onA.components).toContainEqual(expect.objectContaining({ id: 'api', status: 'major_outage' }));

      // B learns of it from the database, within its recheck interval.
      const t0 = performance.now();
      let onB = await summary(b.app.url);
      while (onB.incidents.length === 0 && performance.now() - t0 < 5_000) {
        await new Promise((r) => setTimeout(r, 50));
        onB = await summary(b.app.url);
      }
      expect(onB.incidents.map((i) => i.name)).toEqual(['Checkout errors']);
      expect(performance.now() - t0).toBeLessThan(2_500);
    } finally {
      await b.app.stop(0);
      await a.app.stop(0);
      await slack.stop();
      tmp.cleanup();
    }
  });
});
