import { settingsSchema } from '../../src/config/settings.ts';
import { PostmortemRepository } from '../../src/incidents/postmortem-repository.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { UpdateRepository } from '../../src/incidents/update-repository.ts';
import type { DraftDeps } from '../../src/postmortem/draft.ts';
import { createReportRenderer } from '../../src/postmortem/render.ts';
import type { Harness } from './test-bot.ts';

/** Draft dependencies over a running test bot's database, in the given time zone. */
export function draftDeps(h: Harness, timeZone = 'Europe/Berlin'): DraftDeps {
  const db = h.bot.app.db;
  const settings = settingsSchema.parse({
    timezone: timeZone,
    components: [
      { id: 'checkout', name: 'Checkout' },
      { id: 'api', name: 'API' },
    ],
  });
  return {
    incidents: new IncidentRepository(db),
    updates: new UpdateRepository(db),
    postmortems: new PostmortemRepository(db),
    components: settings.components,
    timeZone,
    render: createReportRenderer(undefined, timeZone),
    now: () => h.clock.now,
  };
}
