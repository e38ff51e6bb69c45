import { describe, expect, it } from 'vitest';
import { useBot } from '../helpers/test-bot.ts';
import { onPostgres } from '../helpers/test-database.ts';

describe('health endpoints', () => {
  const h = useBot();

  it('answers /healthz without touching anything', async () => {
    const res = await fetch(`${h.bot.app.url}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
  });

  it('reports ready while the database, Slack and the outbox are fine', async () => {
    const res = await fetch(`${h.bot.app.url}/readyz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({
      status: 'ready',
      checks: [
        { name: 'database', ok: true },
        // This machine's free space; a warning joins it below storage.min_free_mb.
        // On PostgreSQL the disk is the server's: it says when it is full, there is no volume to measure.
        onPostgres
          ? expect.objectContaining({ name: 'storage', ok: true })
          : { name: 'storage', ok: true, details: expect.objectContaining({ free_mb: expect.any(Number) }) },
        { name: 'slack', ok: true },
        { name: 'outbox', ok: true, details: { dead_effects: 0 } },
      ],
    });
  });

  it('reports 503 with the reason when the database does not answer', async () => {
    h.bot.app.db.close();
    const res = await fetch(`${h.bot.app.url}/readyz`);
    expect(res.status).toBe(503);
    expect(((await res.json()) as { checks: unknown[] }).checks).toContainEqual({
      name: 'database',
      ok: false,
      reason: 'database query failed: The database connection is not open',
    });
    // The worker's next poll meets the same closed database: it logs and waits, never crashes the process.
    expect(() => h.bot.app.worker.notify()).not.toThrow();
  });

  it('answers unknown paths with 404 and wrong methods with 405', async () => {
    expect((await fetch(`${h.bot.app.url}/nope`)).status).toBe(404);
    const res = await fetch(`${h.bot.app.url}/healthz`, { method: 'POST' });
    expect(res.status).toBe(405);
    expect(res.headers.get('allow')).toBe('GET');
  });

  it('refuses a Slack request body over the limit before parsing it', async () => {
    const res = await fetch(`${h.bot.app.url}/slack/events`, {
      method: 'POST',
      body: 'x'.repeat(300 * 1024),
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
  });
});
