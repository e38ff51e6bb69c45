import { describe, expect, it } from 'vitest';
import { webhookBody } from '../../src/sandbox/fake-pagerduty/webhook-events.ts';
import { ALICE, BOB, PD_ALICE, declared, eventually, useBot } from '../helpers/test-bot.ts';

/** Names every plain object answers to: a lookup by one of them must find nothing, not Object's own. */
const OBJECT_NAMES = ['constructor', '__proto__', 'toString'];

describe('vendor and user words that are also names of an object property', () => {
  const h = useBot({
    pagerduty: true,
    settings: `components:\n  - { id: api, name: API }\ncomms:\n  rotation: [${BOB.id}]\n`,
  });

  it('a page whose priority or urgency is named constructor, __proto__ or toString gets its room', async () => {
    for (const name of OBJECT_NAMES) {
      const page = h.pd.createIncident({
        title: `Priority ${name}`,
        priority: name,
        urgency: name as 'high',
        assignees: [PD_ALICE],
      });
      const res = await h.pd.trigger(page);
      expect({ name, status: res.status, outcome: res.json.status }).toEqual({ name, status: 202, outcome: 'opened' });
      const incident = await eventually(
        () => {
          const row = h.bot.app.db
            .prepare('SELECT incident_id FROM incident_links WHERE external_id = ?')
            .get(page.id) as { incident_id: number } | undefined;
          const i = row && h.bot.app.incidents.get(row.incident_id);
          return i?.channelId ? i : undefined;
        },
        10_000,
        `the room for priority ${name}`,
      );
      // Neither the priority nor the urgency is in the maps: the default severity.
      expect(incident.severity).toBe('sev3');
    }
  });

  it('an event type named like an object property is acknowledged and ignored', async () => {
    for (const name of OBJECT_NAMES) {
      const res = await h.pd.send(webhookBody(name, { id: 'Q1', type: 'incident', title: 'x' }));
      expect({ name, status: res.status, outcome: res.json.status }).toEqual({ name, status: 202, outcome: 'ignored' });
    }
  });

  it('commands answer with a clear error, not a bug report', async () => {
    const { channel } = await declared(h, 'Object words sev2', ALICE.id);
    for (const name of OBJECT_NAMES) {
      const replies = await Promise.all([
        h.bot.command(name, { channel }),
        h.bot.command(`role ${name} <@${BOB.id}>`, { channel }),
        h.bot.command(`update identified Fixing --components api:${name}`, { channel }),
      ]);
      const [verb, role, update] = replies.map((r) => (r.body as { text: string }).text);
      expect(verb).toMatch(/is not an \/incident command/);
      expect(role).toMatch(/^Say which role and who/);
      expect(update).toMatch(/say how the component is/);
    }
  });
});
