import { readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ALICE, BOB, declared, settled, useBot } from '../helpers/test-bot.ts';

const text = (body: unknown) => (body as { text: string }).text;
const INCIDENTS = new URL('../../src/incidents/', import.meta.url);

describe('the domain speaks plainly; the Slack edge adds its own words', () => {
  it('no file of src/incidents writes Slack markup, a slash command, a Slack id pattern or the word slack', () => {
    const words = [/<@/, /<!subteam/, /\/incident /, /'slack'/i, /\[UW\]/];
    const found = readdirSync(INCIDENTS)
      .filter((f) => f.endsWith('.ts'))
      .flatMap((f) =>
        words.filter((w) => w.test(readFileSync(new URL(f, INCIDENTS), 'utf8'))).map((w) => `${f}: ${w}`),
      );
    expect(found).toEqual([]);
  });

  const h = useBot({ clock: true });

  it('a change a resolved incident does not take: the domain says reopen it, Slack adds the command', async () => {
    const { incident, channel } = await declared(h, 'Cache cold sev2');
    await h.bot.command('resolve', { channel, user: ALICE.id });
    const error = (() => {
      try {
        h.bot.app.incidents.mitigate(incident.id, ALICE.id);
      } catch (e) {
        return e as { message: string; action?: string };
      }
    })();
    expect(error).toMatchObject({
      message: `Incident #${incident.id} is resolved; reopen it first.`,
      action: 'reopen',
    });
    const res = await h.bot.command('update monitoring Watching it', { channel, user: ALICE.id });
    expect(text(res.body)).toBe(`Incident #${incident.id} is resolved; reopen it first: \`/incident reopen\`.`);
  });

  it('handing a role to whoever holds it names them as Slack mentions people', async () => {
    const { incident, channel } = await declared(h, 'Queue backlog sev3');
    const res = await h.bot.command(`role commander <@${ALICE.id}|alice>`, { channel, user: ALICE.id });
    expect(text(res.body)).toBe(`<@${ALICE.id}> is already the commander.`);
    expect(h.bot.app.incidents.roles(incident.id).find((r) => r.role === 'commander')!.userId).toBe(ALICE.id);
  });

  it('what people do in Slack is recorded as done via slack, as rows written before this change say', async () => {
    const { incident, channel } = await declared(h, 'Login errors sev3');
    await h.bot.command('ack', { channel, user: BOB.id });
    await settled(h.bot.app, () => h.clock.now);
    const row = h.bot.app.db
      .prepare("SELECT data FROM timeline_events WHERE incident_id = ? AND kind = 'acknowledged'")
      .get(incident.id) as {
      data: string;
    };
    expect(JSON.parse(row.data)).toEqual({ via: 'slack' });
    expect(h.slack.ws.channelMessages(channel).map((m) => m.text)).toContain(`:eyes: Acknowledged by <@${BOB.id}>.`);
  });
});
