/**
 * `/incident stats` with 10,000 incidents stored (issue 21: it must answer within Slack's 3 s): the
 * real bot, its database seeded with 10,000 incidents over the last 90 days (each with a page, roles,
 * acknowledgement, mitigation and resolution on its timeline), the command signed as Slack signs it.
 * `stats 90d` reads every incident twice (the period and the one before); the JSON export the same.
 */
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { slashCommand } from '../lib/slack-command.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

const INCIDENTS = 10_000;
const MIN = 60_000;
const TOKEN = 'bench-insights-token-0123456789abcdef';

function seed(repo: IncidentRepository, now: number): void {
  const span = 90 * 24 * 60 * MIN;
  const services = ['checkout', 'search', 'payments', 'auth', 'ledger'];
  repo.db.transaction(() => {
    for (let i = 0; i < INCIDENTS; i++) {
      const at = now - span + Math.floor((span * i) / INCIDENTS);
      const user = BENCH_USERS[i % BENCH_USERS.length]!.id;
      const id = repo.insert({
        title: `bench ${i}`,
        description: null,
        severity: (['sev1', 'sev2', 'sev3', 'sev4'] as const)[i % 4]!,
        source: 'pagerduty',
        externalId: `BENCH${i}`,
        declaredBy: 'pagerduty',
        declaredAt: at,
        serviceName: services[i % services.length]!,
      });
      const ev = (m: number, kind: string, actor: string | null, data: Record<string, unknown> = {}) =>
        repo.appendEvent({ incidentId: id, at: at + m * MIN, kind, actor, data });
      ev(0, 'paged', 'PD User', { source: 'pagerduty' });
      ev(1, 'role_assigned', null, { role: 'commander', user });
      ev(1, 'role_assigned', null, { role: 'comms', user: BENCH_USERS[(i + 1) % BENCH_USERS.length]!.id });
      ev(2 + (i % 13), 'acknowledged', user, { via: 'slack' });
      ev(10, 'note', user);
      ev(20 + (i % 31), 'mitigated', user);
      ev(60 + (i % 97), 'resolved', user, { via: 'slack' });
      repo.update(id, { status: 'resolved', resolvedAt: at + (60 + (i % 97)) * MIN }, at);
    }
  })();
}

export const insights: Suite = {
  name: 'insights',
  async run({ quick }) {
    const bot = await benchBot({ INSIGHTS_TOKEN: TOKEN });
    const figures: Figure[] = [];
    try {
      seed(new IncidentRepository(bot.app.db), Date.now());
      const runs = quick ? 5 : 20;
      const opts = { user: BENCH_USERS[0]!.id, channel: 'C0BENCH' };
      for (const args of ['90d', '30d sev1 checkout']) {
        await slashCommand(bot.app.url, `stats ${args}`, opts); // warm-up
        const times: number[] = [];
        for (let i = 0; i < runs; i++) {
          const r = await slashCommand(bot.app.url, `stats ${args}`, opts);
          if (r.status !== 200 || !r.text.includes('Time to acknowledge')) throw new Error(`stats failed: ${r.text}`);
          times.push(r.ms);
        }
        figures.push(
          summarise('insights', `/incident stats ${args}, ${INCIDENTS} incidents stored`, 'ms', times, '< 3000 ms'),
        );
      }
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        const t0 = performance.now();
        const res = await fetch(`${bot.app.url}/insights.json?period=90d`, {
          headers: { authorization: `Bearer ${TOKEN}` },
        });
        await res.text();
        times.push(performance.now() - t0);
      }
      figures.push(summarise('insights', `GET /insights.json 90d, ${INCIDENTS} incidents`, 'ms', times));
    } finally {
      await bot.stop();
    }
    return figures;
  },
};
