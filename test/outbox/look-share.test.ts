import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { migrate } from '../../src/db/migrate.ts';
import type { Db } from '../../src/db/open.ts';
import { createLogger } from '../../src/lib/logger.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { OutboxWorker, type EffectHandler } from '../../src/outbox/worker.ts';
import { openTestDatabase } from '../helpers/test-database.ts';
import { effect } from '../helpers/outbox-effect.ts';

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
  /** A worker looking 1 % of its time and polling once an hour: a row left for the poll is never delivered here. */
  const slowLookingWorker = (concurrency: number, handlers: Record<string, EffectHandler>) =>
    new OutboxWorker({
      repo,
      handlers,
      logger: createLogger('silent'),
      now: () => 2_000,
      concurrency,
      maxAttempts: 3,
      pollMs: 3_600_000,
      lookShare: 0.01,
      replica: 'look-share-test',
      leaseMs: 60_000,
    });
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
