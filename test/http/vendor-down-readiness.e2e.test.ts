import { describe, expect, it } from 'vitest';
import { Outage } from '../../src/sandbox/outage.ts';
import { useBot } from '../helpers/test-bot.ts';

const readyz = async (url: string) => {
  const res = await fetch(`${url}/readyz`);
  return {
    status: res.status,
    body: (await res.json()) as { status: string; checks: { name: string; ok: boolean; reason?: string }[] },
  };
};

describe('readiness while a vendor is down', () => {
  const h = useBot({ clock: true });

  it('Slack down: /readyz names it but keeps the bot in service (the status page and webhooks do not need Slack)', async () => {
    expect((await readyz(h.bot.app.url)).status).toBe(200);
    h.slack.outage = new Outage('unavailable');
    try {
      h.clock.now += 61_000;
      const { status, body } = await readyz(h.bot.app.url);
      expect(body.checks).toContainEqual({
        name: 'slack',
        ok: false,
        reason: expect.stringMatching(/^Slack auth\.test failed: .* — Slack is unreachable or failing$/),
      });
      expect(body.status).toBe('degraded');
      expect(status).toBe(200);
      expect((await fetch(`${h.bot.app.url}/api/v2/status.json`)).status).toBe(200);
    } finally {
      h.slack.outage = undefined;
    }
    h.clock.now += 61_000;
    expect(await readyz(h.bot.app.url)).toMatchObject({ status: 200, body: { status: 'ready' } });
  });
});
