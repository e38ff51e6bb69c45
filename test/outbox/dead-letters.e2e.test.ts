import { describe, expect, it } from 'vitest';
import { outboxRetry } from '../../src/cli/outbox.ts';
import { runCli } from '../helpers/child-bot.ts';
import { eventually, useBot } from '../helpers/test-bot.ts';
import { storageAt, storageEnv } from '../helpers/test-database.ts';

const ROOM = [
  'channel.create',
  'channel.invite',
  'channel.set_topic',
  'channel.post_summary',
  'channel.pin_summary',
  'channel.notice',
];

// Each test runs the CLI as its own Node processes, slow to start on a loaded machine: a limit, not a timing check.
describe('dead letters: incident-bot outbox list and retry, next to the running bot', { timeout: 120_000 }, () => {
  const h = useBot();
  const cli = (...args: string[]) => runCli(['outbox', ...args], storageEnv(h.dbPath));
  const states = (incidentId: number) => h.bot.app.outbox.forIncident(incidentId).map((r) => r.state);
  const readyz = async () => {
    const res = await fetch(`${h.bot.app.url}/readyz`);
    const body = (await res.json()) as { checks: { name: string; details?: unknown }[] };
    return { status: res.status, outbox: body.checks.find((c) => c.name === 'outbox') };
  };
  /** A room whose channel Slack refused for good: every row of it ends dead. */
  const deadRoom = async () => {
    h.slack.inject('conversations.create', { error: 'invalid_name_specials' });
    await h.bot.command('declare Broken name');
    await eventually(() => states(1).length === ROOM.length && states(1).every((s) => s === 'dead'), 10_000, 'dead');
  };
  /** A pending row due in an hour: not dead, and not touched by the worker during the test. */
  const scheduled = () => {
    h.bot.app.outbox.enqueue(
      {
        kind: 'channel.notice',
        orderingKey: 'later',
        incidentId: null,
        payload: {},
        idempotencyKey: 'later-1',
        availableAt: Date.now() + 3_600_000,
      },
      Date.now(),
    );
    return h.bot.app.outbox.undelivered({ deadOnly: false, limit: 1 }).rows[0]!.id;
  };

  it('list shows what is not delivered, newest first, with kind, incident, attempts and last error; --dead only the dead', async () => {
    await deadRoom();
    const later = scheduled();

    const all = await cli('list');
    expect(all.code).toBe(0);
    const lines = all.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^id\s+kind\s+incident\s+state\s+attempts\s+created\s+due\s+claimed by\s+lease until\s+last error$/,
    );
    expect(lines[1]).toMatch(new RegExp(`^${later}\\s+channel\\.notice\\s+-\\s+pending\\s+0\\s+`));
    expect(lines[2]).toMatch(/^6\s+channel\.notice\s+#1\s+dead\s+1\s+/);
    expect(lines[7]).toMatch(/^1\s+channel\.create\s+#1\s+dead\s+1\s+\S+ \S+\s+-\s+.*invalid_name_specials/);
    expect(lines.at(-1)).toBe('7 effects not delivered.');

    const dead = await cli('list', '--dead');
    expect(dead.code).toBe(0);
    expect(dead.stdout).not.toContain('pending');
    expect(dead.stdout.trimEnd().split('\n').at(-1)).toBe('6 dead effects.');
  });

  it('retry --all-dead --yes puts the dead rows back and the running bot delivers each effect exactly once', async () => {
    await deadRoom();
    expect((await readyz()).outbox).toMatchObject({
      ok: true,
      details: { dead_effects: 6, oldest_dead: { id: 1, kind: 'channel.create', incident_id: 1 } },
    });

    const retried = await cli('retry', '--all-dead', '--yes');
    expect(retried.stderr).toBe('');
    expect(retried).toMatchObject({
      code: 0,
      stdout: expect.stringMatching(/^Retrying 6 effect\(s\) \(ids 1, 2, 3, 4, 5, 6\)/),
    });

    await eventually(() => states(1).every((s) => s === 'delivered'), 10_000, 'the room delivered');
    for (const method of ['conversations.create', 'conversations.setTopic', 'pins.add'])
      expect(h.slack.succeeded(method), method).toHaveLength(1);
    expect(h.slack.succeeded('chat.postMessage')).toHaveLength(2); // the summary and the roles notice
    const incident = h.bot.app.incidents.get(1)!;
    expect(h.slack.ws.message(incident.channelId!, incident.summaryTs!)?.pinned).toBe(true);
    expect(await readyz()).toMatchObject({ status: 200, outbox: { ok: true, details: { dead_effects: 0 } } });

    // Delivered now: a second retry of the same row is refused, and nothing is sent twice.
    const again = await cli('retry', '1');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain('1: is delivered, not dead');
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
  });

  it('retry of ids: all or none; a row that is not dead, or does not exist, is refused with the reason', async () => {
    await deadRoom();
    const later = scheduled();

    const refused = await cli('retry', '2', String(later), '99999');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`${later}: is pending, not dead; only dead rows are retried`);
    expect(refused.stderr).toContain('99999: no such outbox row');
    expect(refused.stderr).toContain('Nothing retried.');
    expect(states(1).every((s) => s === 'dead')).toBe(true);

    const notAnId = await cli('retry', '1;DROP');
    expect(notAnId.code).toBe(2);
    expect(notAnId.stderr).toContain('"1;DROP" is not an outbox row id');

    // The head of the room alone: it is delivered, the rows behind it stay dead.
    const one = await cli('retry', '1');
    expect(one).toMatchObject({ code: 0, stdout: expect.stringContaining('Retrying 1 effect(s) (ids 1)') });
    await eventually(() => states(1)[0] === 'delivered', 10_000, 'the channel created');
    expect(
      states(1)
        .slice(1)
        .every((s) => s === 'dead'),
    ).toBe(true);
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
    // Three command-line runs, each a fresh Node process: slow on a loaded machine, so a longer limit.
  });

  it('retry --all-dead without --yes and without a terminal refuses, says why, and changes nothing', async () => {
    await deadRoom();
    const res = await cli('retry', '--all-dead');
    expect(res.code).toBe(1);
    expect(res.stderr).toContain('Send 6 dead effect(s) again (ids 1, 2, 3, 4, 5, 6)? Not retried');
    expect(res.stderr).toContain('no one is at a terminal to confirm. Add --yes to confirm.');
    expect(states(1).every((s) => s === 'dead')).toBe(true);
    expect(h.slack.calls.filter((c) => c.method === 'conversations.create')).toHaveLength(1);
  });

  it('retry --all-dead at a terminal asks first: no sends nothing, yes sends them', async () => {
    await deadRoom();
    const out: string[] = [];
    const asked: string[] = [];
    const terminal = (answer: boolean) => ({
      out: (l: string) => void out.push(l),
      err: (l: string) => void out.push(l),
      interactive: true,
      ask: async (q: string) => (asked.push(q), answer),
      now: Date.now,
    });
    expect(await outboxRetry(storageAt(h.dbPath), ['--all-dead'], terminal(false))).toBe(1);
    expect(asked).toEqual(['Send 6 dead effect(s) again (ids 1, 2, 3, 4, 5, 6)? [y/N] ']);
    expect(out).toEqual(['Nothing retried.']);
    expect(states(1).every((s) => s === 'dead')).toBe(true);

    expect(await outboxRetry(storageAt(h.dbPath), ['--all-dead'], terminal(true))).toBe(0);
    await eventually(() => states(1).every((s) => s === 'delivered'), 10_000, 'the room delivered');
    expect(h.slack.succeeded('conversations.create')).toHaveLength(1);
  });

  it('list is bounded to the newest 200 rows and never prints a credential or a terminal escape from an error', async () => {
    const { outbox } = h.bot.app;
    const later = Date.now() + 3_600_000;
    for (let i = 1; i <= 205; i++) {
      outbox.enqueue(
        {
          kind: 'status.publish',
          orderingKey: `k${i}`,
          incidentId: null,
          payload: {},
          idempotencyKey: `d${i}`,
          availableAt: later,
        },
        Date.now(),
      );
    }
    // Given up on by a delivery (which claims a row before it settles it).
    for (const { id } of outbox.undelivered({ deadOnly: false, limit: 300 }).rows) {
      outbox.claim(id, 'test', later, later + 60_000);
      outbox.markDead(
        id,
        'POST https://bot:pw@hooks.example/x?token=s3cr3t failed: xoxb-1234-5678-abcdef \u001b[2J',
        'test',
      );
    }

    const res = await cli('list', '--dead');
    expect(res.code).toBe(0);
    const lines = res.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1 + 200 + 1);
    expect(lines.at(-1)).toBe('205 dead effects; the newest 200 shown, 5 more not shown.');
    expect(res.stdout).not.toMatch(/s3cr3t|xoxb-1234|pw@/);
    expect(res.stdout).not.toContain('\u001b');
    expect(lines[1]).toContain('POST https://[redacted]@hooks.example/x?token=[redacted] failed: [redacted]  [2J');
  });

  it('outbox without a verb, or on a database that does not exist, says what to do', async () => {
    const bare = await cli();
    expect(bare.code).toBe(2);
    expect(bare.stderr).toContain('incident-bot outbox retry <id…> | --all-dead [--yes]');
    const missing = await runCli(['outbox', 'list'], { DATABASE_PATH: `${h.dbPath}.absent` });
    expect(missing.code).toBe(1);
    expect(missing.stderr).toContain('does not exist (DATABASE_PATH)');
    expect(missing.stderr).not.toMatch(/\n\s+at /);
  });
});
