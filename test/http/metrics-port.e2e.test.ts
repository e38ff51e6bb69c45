import { describe, expect, it } from 'vitest';
import { useBot } from '../helpers/test-bot.ts';

const status = async (url: string) => (await fetch(url)).status;

describe('with METRICS_PORT set', () => {
  const h = useBot({ env: { METRICS_PORT: '0' } });

  it('serves /metrics and /readyz on the second listener, and the public one answers 404 for them', async () => {
    const admin = h.bot.app.metricsUrl!;
    expect(admin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(admin).not.toBe(h.bot.app.url);
    const metrics = await fetch(`${admin}/metrics`);
    expect(metrics.status).toBe(200);
    expect(await metrics.text()).toContain('incident_bot_outbox_depth');
    expect(await (await fetch(`${admin}/readyz`)).json()).toMatchObject({ status: 'ready' });

    expect(await status(`${h.bot.app.url}/metrics`)).toBe(404);
    expect(await status(`${h.bot.app.url}/readyz`)).toBe(404);
  });

  it('answers /healthz on both listeners, and only its own routes on the second', async () => {
    expect(await status(`${h.bot.app.url}/healthz`)).toBe(200);
    expect(await status(`${h.bot.app.metricsUrl!}/healthz`)).toBe(200);
    expect(await status(`${h.bot.app.metricsUrl!}/status`)).toBe(404);
    expect(await status(`${h.bot.app.url}/status`)).toBe(200);
  });

  it('closes the second listener on shutdown', async () => {
    const admin = h.bot.app.metricsUrl!;
    await h.bot.app.stop(0);
    await expect(fetch(`${admin}/healthz`)).rejects.toThrow();
  });
});

describe('without METRICS_PORT', () => {
  const h = useBot();

  it('serves /metrics, /readyz and /healthz on the one public listener, as before', async () => {
    expect(h.bot.app.metricsUrl).toBeUndefined();
    for (const path of ['/metrics', '/readyz', '/healthz'])
      expect(await status(`${h.bot.app.url}${path}`), path).toBe(200);
  });
});
