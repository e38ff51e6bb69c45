import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { OutboxWorker, type EffectHandler, type WorkerOptions } from '../../src/outbox/worker.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { effect } from '../helpers/outbox-effect.ts';
import { eventually } from '../helpers/eventually.ts';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('the outbox worker looks for due rows a share of its time', () => {
  let dir: string;
  let db: Db;
  let repo: OutboxRepository;
  let worker: OutboxWorker | undefined;
  /** How many times the worker read the heads of the queue. */
  let looks: number;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'incident-bot-look-share-'));
    db = openTestDatabase(join(dir, 'bot.db'));
    migrate(db);
    repo = new OutboxRepository(db);
    looks = 0;
    // Counted, not changed: every look still reads the database.
    const heads = repo.heads.bind(repo);
    repo.heads = (...args) => {
      looks++;
      return heads(...args);
    };
  });
  /** Each look is made to take 2 ms, a busy database's: with a share of 1 %, the next may be ~200 ms later. */
  const slowLooks = () => {
    const heads = repo.heads.bind(repo);
    repo.heads = (...args) => {
      const until = performance.now() + 2;
      while (performance.now() < until);
      return heads(...args);
    };
  };
  /** A worker on a still clock that polls once an hour (a row left for the poll is never delivered here); `options` override. */
  const workerWith = (handlers: Record<string, EffectHandler>, options: Partial<WorkerOptions> = {}) =>
    new OutboxWorker({
      repo,
      handlers,
      logger: createLogger('silent'),
      now: () => 2_000,
      concurrency: 8,
      maxAttempts: 3,
      pollMs: 3_600_000,
      replica: 'look-share-test',
      leaseMs: 60_000,
      ...options,
    });
  /** Such a worker looking 1 % of its time. */
  const slowLookingWorker = (concurrency: number, handlers: Record<string, EffectHandler>) =>
    workerWith(handlers, { concurrency, lookShare: 0.01 });
  /** `handler`, each of its calls taking `ms`, as a vendor's does. */
  const slow = (handler: EffectHandler, ms: number): EffectHandler => ({
    ...handler,
    deliver: async (row, log) => {
      await sleep(ms);
      return handler.deliver(row, log);
    },
  });
  /** `rows` rows queued for one incident. */
  const backlog = (key: string, rows: number) =>
    repo.enqueueAll(
      Array.from({ length: rows }, (_, n) => effect(key, n)),
      1_000,
    );

  /** A handler on `lane` that notes each row it delivers by its idempotency key. */
  const recording = (lane: string, delivered: string[]): EffectHandler => ({
    lane,
    async deliver(row) {
      delivered.push(row.idempotencyKey);
      return {};
    },
    classify: () => ({ type: 'transient' }),
  });
  afterEach(async () => {
    await worker?.stop(0);
    worker = undefined;
    db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('delivers a queue of hundreds of incidents in order, looking at it far less often than it delivers', async () => {
    // Each look walks every key with rows pending: with 600 of them it costs a millisecond or more,
    // and a look after every delivery made the looks cost more than the deliveries.
    const keys = Array.from({ length: 600 }, (_, i) => `incident:${i}`);
    const perKey = 2;
    repo.enqueueAll(
      keys.flatMap((key) => Array.from({ length: perKey }, (_, n) => effect(key, n))),
      1_000,
    );
    const seen = new Map<string, number[]>();
    let started = 0;
    const handler: EffectHandler = {
      lane: 'test:effect',
      async deliver(row) {
        // The far side answers each call in its own time: deliveries end in different turns of the
        // event loop, as they do over the network, not all in one.
        const turns = started++ % 8;
        for (let t = 0; t <= turns; t++) await new Promise((resolve) => setImmediate(resolve));
        seen.set(row.orderingKey, [...(seen.get(row.orderingKey) ?? []), row.payload.n as number]);
        return {};
      },
      classify: () => ({ type: 'transient' }),
    };
    worker = new OutboxWorker({
      repo,
      // A second vendor with nothing to do, as the bot has (PagerDuty, GitHub…): a slot is kept for it.
      handlers: { 'test.effect': handler, 'test.other': { ...handler, lane: 'other:api' } },
      logger: createLogger('silent'),
      now: () => 2_000,
      concurrency: 8,
      maxAttempts: 3,
      pollMs: 20,
      replica: 'look-share-test',
      leaseMs: 60_000,
    });
    worker.start();
    const deadline = Date.now() + 60_000;
    while (repo.dueDepth(2_000) > 0 || worker.inFlightCount > 0) {
      if (Date.now() > deadline) throw new Error(`still ${repo.dueDepth(2_000)} rows pending after 60 s`);
      await sleep(20);
    }
    const deliveries = keys.length * perKey;
    expect([...seen.values()].flat()).toHaveLength(deliveries);
    for (const key of keys) expect(seen.get(key), key).toEqual([0, 1]);
    // A look per delivery was the behaviour this replaces (1,200 here).
    expect(looks).toBeGreaterThan(0);
    expect(looks * 4).toBeLessThan(deliveries);
  });

  it('starts a row queued between two looks when the next look may be, not at the next poll', async () => {
    slowLooks();
    // GitHub answers 429 for an hour: its rows stay in what the look found, passed over while paused.
    repo.enqueue(effect('postmortem:1', 0, { kind: 'test.github' }), 1_000);
    repo.enqueue(effect('postmortem:2', 0, { kind: 'test.github' }), 1_000);
    const delivered: string[] = [];
    worker = slowLookingWorker(1, {
      'test.github': {
        lane: 'github:api',
        deliver: async () => {
          throw new Error('API rate limit exceeded');
        },
        classify: () => ({ type: 'rate_limited', retryAfterMs: 3_600_000 }),
      },
      'test.effect': recording('slack:chat.postMessage', delivered),
    });
    worker.start();
    const deadline = Date.now() + 10_000;
    // One slot: the first GitHub row is delivered (429), the second stays in what the look found.
    while (repo.dueDepth(2_000) !== 1) {
      if (Date.now() > deadline) throw new Error('GitHub never answered 429');
      await sleep(1);
    }
    // A command queues a Slack message right after: the worker is told, within the look's window.
    repo.enqueue(effect('incident:1', 0), 2_000);
    worker.notify();
    const until = Date.now() + 10_000;
    while (delivered.length === 0) {
      if (Date.now() > until) throw new Error('the Slack row was left for the next poll');
      await sleep(5);
    }
    expect(delivered).toEqual(['incident:1:0']);
    expect(looks).toBeGreaterThanOrEqual(2);
  });

  it("delivers one incident's backlog row after row, not a row per look", async () => {
    // The row behind each delivery is found when it ends, because nothing else can take the free slots.
    slowLooks();
    const rows = 200;
    repo.enqueueAll(
      Array.from({ length: rows }, (_, n) => effect('incident:1', n)),
      1_000,
    );
    const delivered: number[] = [];
    worker = slowLookingWorker(8, {
      'test.effect': {
        lane: 'slack:chat.postMessage',
        async deliver(row) {
          delivered.push(row.payload.n as number);
          return {};
        },
        classify: () => ({ type: 'transient' }),
      },
    });
    worker.start();
    // A row per look would take 200 × 200 ms = 40 s.
    const until = Date.now() + 10_000;
    while (delivered.length < rows) {
      if (Date.now() > until) throw new Error(`only ${delivered.length} of ${rows} rows delivered in 10 s`);
      await sleep(5);
    }
    expect(delivered).toEqual(Array.from({ length: rows }, (_, n) => n));
  });

  it("goes on with an incident's next row without a look, while nothing else is queued", async () => {
    // A room's effects go one after another; a look before each walked every key with rows pending
    // (on PostgreSQL a round trip of its own), to find the row that the claim of the key finds alone.
    const rows = 20;
    backlog('incident:1', rows);
    const delivered: string[] = [];
    worker = slowLookingWorker(8, { 'test.effect': recording('slack:chat.postMessage', delivered) });
    worker.start();
    await eventually(() => delivered.length === rows && worker!.inFlightCount === 0, 10_000, 'the backlog');
    expect(delivered).toEqual(Array.from({ length: rows }, (_, n) => `incident:1:${n}`));
    // The first look, and the one that finds the backlog done.
    expect(looks).toBeLessThanOrEqual(2);
  });

  it('still looks at once when a delivery queues a row for another incident while one goes on', async () => {
    backlog('incident:1', 100);
    const delivered: string[] = [];
    const handler = slow(recording('slack:chat.postMessage', delivered), 2);
    worker = slowLookingWorker(8, {
      'test.effect': {
        ...handler,
        deliver: async (row, log) => {
          const done = await handler.deliver(row, log);
          // The fifth delivery's change opens another incident, and wakes the worker as the app does:
          // its pump comes after this delivery ends, with the first incident's next row to go on with.
          if (row.payload.n === 4) {
            repo.enqueue(effect('incident:2', 0), 2_000);
            worker!.notify();
          }
          return done;
        },
      },
    });
    worker.start();
    await eventually(() => delivered.includes('incident:2:0'), 10_000, "the new incident's row");
    // That pump looks, and starts the new incident's row beside the next of the first one's.
    expect(delivered.indexOf('incident:2:0')).toBeLessThan(8);
  });

  it("finds a row that comes due while an incident's backlog goes on within a poll, not after the backlog", async () => {
    let clock = 2_000;
    const rows = 400;
    backlog('incident:1', rows);
    // A retry of another incident's row, due in a minute by the worker's clock.
    repo.enqueue(effect('incident:2', 0, { availableAt: 62_000 }), 1_000);
    const delivered: string[] = [];
    worker = workerWith(
      { 'test.effect': slow(recording('slack:chat.postMessage', delivered), 1) },
      { now: () => clock, pollMs: 50, leaseMs: 3_600_000 },
    );
    worker.start();
    await eventually(() => delivered.length >= 5, 10_000, 'the backlog to start');
    // Nobody tells the worker: the minute passes.
    const at = delivered.length;
    clock = 62_000;
    await eventually(() => delivered.includes('incident:2:0'), 10_000, 'the row that came due');
    // Within a poll (50 ms, a millisecond or more a delivery), not after the rest of the backlog.
    expect(delivered.indexOf('incident:2:0') - at).toBeLessThan((rows - at) / 2);
  });

  it("looks for a paced lane's rows as soon as its slot comes, while an incident's backlog goes on", async () => {
    const rows = 400;
    backlog('incident:1', rows);
    // A topic change waits for its rate-limit slot: the looks leave it in the database meanwhile.
    repo.enqueue(effect('incident:2', 0, { kind: 'test.topic' }), 1_000);
    let slotIn = Infinity;
    const delivered: string[] = [];
    worker = workerWith(
      {
        'test.effect': slow(recording('slack:chat.postMessage', delivered), 1),
        'test.topic': recording('slack:conversations.setTopic', delivered),
      },
      // Never polls here: only the slot's coming can make the worker look.
      { laneWaitMs: (lane) => (lane === 'slack:conversations.setTopic' ? slotIn : 0) },
    );
    worker.start();
    await eventually(() => delivered.length >= 5, 10_000, 'the backlog to start');
    expect(delivered).not.toContain('incident:2:0');
    const at = delivered.length;
    slotIn = 0;
    await eventually(() => delivered.includes('incident:2:0'), 10_000, 'the topic change');
    expect(delivered.indexOf('incident:2:0') - at).toBeLessThan((rows - at) / 2);
  });

  it('goes on with every incident whose delivery ended together, or looks: none waits behind the others', async () => {
    // Three deliveries end in one turn with four slots, one kept for the idle vendor: a key left out
    // of going on would have waited for the next look, and with no look due, behind the others' backlogs.
    const rows = 100;
    const keys = ['incident:1', 'incident:2', 'incident:3'];
    for (const key of keys) backlog(key, rows);
    const delivered: string[] = [];
    worker = slowLookingWorker(4, {
      'test.effect': slow(recording('slack:chat.postMessage', delivered), 1),
      'test.other': recording('pagerduty:api', []),
    });
    worker.start();
    await eventually(() => delivered.length === keys.length * rows, 20_000, 'every row');
    // Side by side: between two rows of an incident, a few of the others', not the rest of their backlogs.
    const longestWait = (key: string) => {
      const at = delivered.flatMap((k, i) => (k.startsWith(`${key}:`) ? [i] : []));
      return Math.max(...at.slice(1).map((i, n) => i - at[n]! - 1));
    };
    for (const key of keys) expect(longestWait(key), key).toBeLessThan(rows / 2);
  });

  it("does not go on with an incident's next row whose lane is paused by a 429", async () => {
    let githubCalls = 0;
    let limited!: () => void;
    const limitedSeen = new Promise<void>((resolve) => (limited = resolve));
    // Another incident's call to GitHub is refused for an hour: GitHub's lane pauses.
    repo.enqueue(effect('postmortem:2', 0, { kind: 'test.github' }), 1_000);
    // This incident's Slack call ends after that; its next row is GitHub's.
    repo.enqueue(effect('incident:1', 0), 1_000);
    repo.enqueue(effect('incident:1', 1, { kind: 'test.github' }), 1_000);
    const delivered: string[] = [];
    const slack = slow(recording('slack:chat.postMessage', delivered), 20);
    worker = workerWith({
      'test.effect': {
        ...slack,
        deliver: async (row, log) => {
          await limitedSeen;
          return slack.deliver(row, log);
        },
      },
      'test.github': {
        lane: 'github:api',
        deliver: async () => {
          githubCalls++;
          limited();
          throw new Error('API rate limit exceeded');
        },
        classify: () => ({ type: 'rate_limited', retryAfterMs: 3_600_000 }),
      },
    });
    worker.start();
    await eventually(() => delivered.includes('incident:1:0'), 10_000, 'the Slack row');
    await sleep(50);
    expect(githubCalls).toBe(1);
    expect(repo.dueDepth(2_000)).toBe(1);
  });

  it("does not go on with an incident's next row whose lane waits for its rate-limit slot", async () => {
    // The room's topic comes next; the room's own call takes the lane's last slot for a minute.
    repo.enqueue(effect('incident:1', 0), 1_000);
    repo.enqueue(effect('incident:1', 1, { kind: 'test.topic' }), 1_000);
    let slotIn = 0;
    const delivered: string[] = [];
    const slack = recording('slack:chat.postMessage', delivered);
    worker = workerWith(
      {
        'test.effect': {
          ...slack,
          deliver: async (row, log) => {
            slotIn = 60_000;
            return slack.deliver(row, log);
          },
        },
        'test.topic': recording('slack:conversations.setTopic', delivered),
      },
      { laneWaitMs: (lane) => (lane === 'slack:conversations.setTopic' ? slotIn : 0) },
    );
    worker.start();
    await eventually(() => delivered.includes('incident:1:0'), 10_000, 'the first row');
    await sleep(50);
    expect(delivered).toEqual(['incident:1:0']);
    expect(repo.dueDepth(2_000)).toBe(1);
  });

  it('starts a row the last look passed over, once its lane is no longer paused, before going on with a backlog', async () => {
    let clock = 2_000;
    const rows = 200;
    // GitHub refuses the first call for a second; then it answers.
    repo.enqueue(effect('postmortem:1', 0, { kind: 'test.github' }), 1_000);
    backlog('incident:1', rows);
    let githubCalls = 0;
    const delivered: string[] = [];
    const github = recording('github:api', delivered);
    worker = workerWith(
      {
        'test.effect': slow(recording('slack:chat.postMessage', delivered), 1),
        'test.github': {
          ...github,
          deliver: async (row, log) => {
            if (githubCalls++ === 0) throw new Error('API rate limit exceeded');
            return github.deliver(row, log);
          },
          classify: () => ({ type: 'rate_limited', retryAfterMs: 1_000 }),
        },
      },
      { now: () => clock, lookShare: 0.01, leaseMs: 3_600_000 },
    );
    worker.start();
    await eventually(() => githubCalls > 0 && delivered.length >= 5, 10_000, 'GitHub to refuse');
    // While GitHub's lane is paused, another postmortem is queued: the look finds it and passes it over.
    repo.enqueue(effect('postmortem:2', 0, { kind: 'test.github' }), clock);
    worker.notify();
    await sleep(20);
    expect(delivered).not.toContain('postmortem:2:0');
    // The pause ends; nobody tells the worker.
    const at = delivered.length;
    clock += 2_000;
    await eventually(() => delivered.includes('postmortem:2:0'), 10_000, 'the postmortem');
    expect(delivered.indexOf('postmortem:2:0') - at).toBeLessThan((rows - at) / 2);
  });

  it('starts a row of a vendor with a slot kept for it at the next look, not at the next poll', async () => {
    slowLooks();
    // Slack does not answer (its calls hang): one call in flight, its other rows passed over so that
    // the last slot stays free for another vendor.
    for (let i = 0; i < 5; i++) repo.enqueue(effect(`incident:${i}`, 0), 1_000);
    const hanging: (() => void)[] = [];
    const delivered: string[] = [];
    worker = slowLookingWorker(2, {
      'test.effect': {
        lane: 'slack:chat.postMessage',
        deliver: () => new Promise((resolve) => hanging.push(() => resolve({}))),
        classify: () => ({ type: 'transient' }),
      },
      'test.github': recording('github:api', delivered),
    });
    worker.start();
    const deadline = Date.now() + 10_000;
    while (hanging.length < 1) {
      if (Date.now() > deadline) throw new Error('Slack was never called');
      await sleep(1);
    }
    // A postmortem is queued for GitHub, and the worker told, within the look's window.
    repo.enqueue(effect('postmortem:1', 0, { kind: 'test.github' }), 2_000);
    worker.notify();
    const until = Date.now() + 10_000;
    while (delivered.length === 0) {
      if (Date.now() > until) throw new Error('the GitHub row was left for the next poll');
      await sleep(5);
    }
    expect(delivered).toEqual(['postmortem:1:0']);
    // Slack still had one call in flight: the slot kept for GitHub is what delivered it.
    expect(hanging).toHaveLength(1);
    for (const answer of hanging) answer();
  });

  it('claims a head read by an earlier look only while nothing is queued ahead of it', () => {
    repo.enqueue(effect('incident:1', 1), 100);
    repo.enqueue(effect('incident:2', 1), 100);
    const [head] = repo.heads(200, 10);
    expect(head!.idempotencyKey).toBe('incident:1:1');
    // The incident's room is queued after that look, ahead of what was waiting (it needs the room).
    repo.enqueue(effect('incident:1', 0, { priority: -1 }), 150);
    expect(repo.claim(head!.id, 'replica-a', 200, 10_000)).toBeNull();
    const room = repo.heads(200, 10).find((r) => r.orderingKey === 'incident:1');
    expect(room!.idempotencyKey).toBe('incident:1:0');
    expect(repo.claim(room!.id, 'replica-a', 200, 10_000)).not.toBeNull();
    expect(repo.markDelivered(room!.id, undefined, 200, 'replica-a')).toBe(true);
    // Its turn has come now.
    expect(repo.claim(head!.id, 'replica-a', 200, 10_000)).toMatchObject({ idempotencyKey: 'incident:1:1' });
  });
});
