import { describe, expect, it } from 'vitest';
import type { PgDatabase } from '../../src/db/postgres/pg-database.ts';
import { PageRepository } from '../../src/incidents/page-repository.ts';
import { mapPagerDutyEvent } from '../../src/pagerduty/map-event.ts';
import { envelopeSchema } from '../../src/pagerduty/webhook-schema.ts';
import { incidentData, webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { ALICE, PD_ALICE, declared, settled, useBot } from '../helpers/test-bot.ts';
import { onPostgres } from '../helpers/test-database.ts';

describe('what a page costs the storage before its 202', () => {
  const h = useBot({ pagerduty: true });

  /** A trigger as PagerDuty sends it, through the edge's own schema and mapping. */
  const trigger = (id: string) => {
    const page = h.pd.createIncident({ title: `Queue stuck ${id}`, assignees: [PD_ALICE] });
    const mapped = mapPagerDutyEvent(
      envelopeSchema.parse(webhookBody('incident.triggered', incidentData(page), { id })),
      h.bot.config.settings,
    );
    if (mapped.type !== 'event') throw new Error(`not an event: ${mapped.type}`);
    return mapped.event;
  };

  // Each round trip blocks the bot's event loop (bench/README.md): a statement more is felt by every
  // page of a storm. Lower it when a change saves one; raise it only knowing what the page pays.
  it.runIf(onPostgres)(
    'records a new page in 9 round trips to PostgreSQL, one transaction, its outbox rows sent with the COMMIT',
    async () => {
      h.bot.app.incidents.applyExternal(trigger('EVT-TRIPS-WARM'));
      await settled(h.bot.app);
      const client = (h.bot.app.db as unknown as PgDatabase).client;
      const before = client.roundTrips;
      const result = h.bot.app.incidents.applyExternal(trigger('EVT-TRIPS-1'));
      expect(client.roundTrips - before).toBe(9);
      expect(result.outcome).toBe('opened');
      expect(h.bot.app.incidents.get(result.incidentId!)).toMatchObject({
        status: 'investigating',
        updateDueAt: expect.any(Number),
      });
    },
  );

  it.runIf(onPostgres)("staffs a page's room in 6 round trips: the roles and the incident read once each", async () => {
    h.bot.app.incidents.applyExternal(trigger('EVT-STAFF-WARM'));
    await settled(h.bot.app);
    const client = (h.bot.app.db as unknown as PgDatabase).client;
    // In the same turn as the trigger, so no delivery of the outbox's runs between the two.
    const { incidentId } = h.bot.app.incidents.applyExternal(trigger('EVT-STAFF-1'));
    const before = client.roundTrips;
    h.bot.app.incidents.staff(
      incidentId!,
      'staff',
      'outbox:staff-test',
      [{ external: { id: PD_ALICE.id, name: PD_ALICE.name }, userId: ALICE.id }],
      [],
    );
    expect(client.roundTrips - before).toBe(6);
    expect(h.bot.app.incidents.roles(incidentId!)).toEqual([
      expect.objectContaining({ role: 'commander', userId: ALICE.id }),
    ]);
    expect(h.bot.app.incidents.get(incidentId!)!.commsNagAt).toEqual(expect.any(Number));
  });

  it("finds a page sent from an incident by its id in the paging system first, else by its key, in the paging system's own source", async () => {
    const { incident } = await declared(h, 'Search slow sev2');
    const pages = new PageRepository(h.bot.app.db);
    const sent = (key: string) =>
      pages.insert({
        incidentId: incident.id,
        source: 'pagerduty',
        target: { kind: 'service', id: 'PSVC001' },
        serviceId: 'PSVC001',
        title: 'Help with search',
        requestedBy: null,
        requestedAt: Date.now(),
        cause: null,
        incidentKey: key,
      });
    const requested = sent('key-requested');
    // Sent after the other, so that the id, not the order they were sent in, decides.
    const created = sent('key-created');
    pages.created(created, 'PCREATED', null, Date.now());

    expect(pages.find('pagerduty', 'PCREATED', 'key-requested')?.id).toBe(created);
    expect(pages.find('pagerduty', 'PCREATED', null)?.id).toBe(created);
    expect(pages.find('pagerduty', 'PUNKNOWN', 'key-requested')?.id).toBe(requested);
    expect(pages.find('pagerduty', 'PUNKNOWN', 'key-created')?.id).toBe(created);
    expect(pages.find('pagerduty', 'PUNKNOWN', null)).toBeUndefined();
    expect(pages.find('pagerduty', 'PUNKNOWN', '')).toBeUndefined();
    expect(pages.find('opsgenie', 'PCREATED', 'key-requested')).toBeUndefined();
  });
});
