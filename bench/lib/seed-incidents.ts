/**
 * Seeds a bench database with incidents as a bot that has run for a while holds them (the insights and
 * stored-scale suites).
 */
import { openRoomEffects, refreshEffects, dutiesEffect } from '../../src/incidents/effect-kinds.ts';
import type { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { InboxRepository } from '../../src/inbox/inbox-repository.ts';
import { OutboxRepository } from '../../src/outbox/outbox-repository.ts';
import { BENCH_USERS } from './bot.ts';

const MIN = 60_000;
export interface SeededIncident {
  id: number;
  declaredAt: number;
}

const SEED_SPAN_MS = 90 * 24 * 60 * MIN;

/** Resolved incidents number `from` to `to` - 1, spread evenly over the last 90 days; their ids and when each was declared. */
export function seedResolved(repo: IncidentRepository, now: number, from: number, to: number): SeededIncident[] {
  const services = ['checkout', 'search', 'payments', 'auth', 'ledger'];
  const seeded: SeededIncident[] = [];
  repo.db.transaction(() => {
    for (let i = from; i < to; i++) {
      const at = now - SEED_SPAN_MS + Math.floor((SEED_SPAN_MS * (i - from)) / (to - from));
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
      seeded.push({ id, declaredAt: at });
    }
  })();
  return seeded;
}

/**
 * Part of what the bot keeps of the deliveries of incidents declared within `days` of `now` (the
 * retention of delivered outbox rows and seen webhooks, 30 days by default): each one's room opened,
 * its summary, topic and duties refreshed once, all delivered (8 outbox rows), and 3 webhooks seen.
 * A floor: the notices, refreshes and write-backs of the rest of its seeded timeline would add more.
 * Returns how many incidents it gave a history.
 */
export function seedDeliveryHistory(
  repo: IncidentRepository,
  now: number,
  incidents: SeededIncident[],
  days = 30,
): number {
  const outbox = new OutboxRepository(repo.db);
  const inbox = new InboxRepository(repo.db);
  const since = now - days * 24 * 60 * MIN;
  const recent = incidents.filter((i) => i.declaredAt >= since);
  repo.db.transaction(() => {
    for (const { id, declaredAt: at } of recent) {
      outbox.enqueueAll(
        [...openRoomEffects(id, [BENCH_USERS[0]!.id]), ...refreshEffects(id, 'seed'), dutiesEffect(id, 'seed')],
        at,
      );
      for (let row = outbox.claimNext(`incident:${id}`, 'seed', at, at + MIN); row;) {
        outbox.markDelivered(row.id, { seeded: true }, at, 'seed');
        row = outbox.claimNext(`incident:${id}`, 'seed', at, at + MIN);
      }
      for (const n of [1, 2, 3]) inbox.firstSeen('pagerduty', `seed-${id}-${n}`, at);
    }
  })();
  return recent.length;
}
