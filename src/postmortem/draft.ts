import type { IncidentRepository } from '../incidents/incident-repository.ts';
import type { PostmortemRepository } from '../incidents/postmortem-repository.ts';
import type { Component, Incident } from '../incidents/types.ts';
import type { UpdateRepository } from '../incidents/update-repository.ts';
import { slugify } from '../text/slugify.ts';
import { buildReport } from './report.ts';

export interface DraftDeps {
  incidents: IncidentRepository;
  updates: UpdateRepository;
  postmortems: PostmortemRepository;
  components: Component[];
  timeZone: string;
  render: (model: ReturnType<typeof buildReport>) => string;
  now: () => number;
}

/** The people a report mentions: roles, actors, follow-up owners, authors of captured messages. */
export function peopleIn(deps: DraftDeps, incidentId: number): string[] {
  const timeline = deps.incidents.timeline(incidentId);
  return [
    ...deps.incidents.roles(incidentId).map((r) => r.userId),
    ...timeline.flatMap((e) => [e.actor, e.data.user, e.data.author].filter((x): x is string => typeof x === 'string')),
    ...deps.postmortems.followups(incidentId).flatMap((f) => (f.owner ? [f.owner] : [])),
  ];
}

/** The report's date (the declaration's, in the team's zone) and slug: what its file and branch are named. */
export function reportName(incident: Incident, timeZone: string): { slug: string; date: string } {
  const date = new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(
    incident.declaredAt,
  );
  // Slugs only ever hold [a-z0-9-]: no "../", no slashes, whatever the title says.
  return { slug: slugify(incident.title).slice(0, 60).replace(/-+$/, '') || `incident-${incident.id}`, date };
}

export function draftReport(
  deps: DraftDeps,
  incidentId: number,
  names: Map<string, string>,
  channelUrl: string | null,
): { markdown: string; slug: string; date: string } {
  const incident = deps.incidents.get(incidentId);
  if (!incident) throw new Error(`no incident ${incidentId}`);
  const markdown = deps.render(
    buildReport({
      incident,
      timeline: deps.incidents.timeline(incidentId),
      updates: deps.updates.updates(incidentId),
      roles: deps.incidents.roles(incidentId),
      followups: deps.postmortems.followups(incidentId),
      components: deps.components,
      componentStatuses: deps.updates.componentStatuses(incidentId),
      timeZone: deps.timeZone,
      names,
      channelUrl,
      now: deps.now(),
    }),
  );
  return { markdown, ...reportName(incident, deps.timeZone) };
}
