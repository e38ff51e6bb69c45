/**
 * One report size in a fresh process, so its peak memory is its own: reads the incident from the
 * database the parent wrote and drafts its report `runs` times. Prints one JSON line.
 */
import { openDatabase } from '../../src/db/open.ts';
import { PostmortemRepository } from '../../src/incidents/postmortem-repository.ts';
import { IncidentRepository } from '../../src/incidents/incident-repository.ts';
import { UpdateRepository } from '../../src/incidents/update-repository.ts';
import { draftReport } from '../../src/postmortem/draft.ts';
import { createReportRenderer } from '../../src/postmortem/render.ts';

const [dbPath, incidentId, runs] = process.argv.slice(2);
const db = openDatabase(dbPath!);
const deps = {
  incidents: new IncidentRepository(db),
  updates: new UpdateRepository(db),
  postmortems: new PostmortemRepository(db),
  components: [],
  timeZone: 'Europe/Berlin',
  render: createReportRenderer(undefined, 'Europe/Berlin'),
  now: () => Date.now(),
};
const gc = (globalThis as { gc?: () => void }).gc;
gc?.();
const rssBefore = process.memoryUsage().rss;
const times: number[] = [];
let bytes = 0;
for (let i = 0; i < Number(runs); i++) {
  const t0 = performance.now();
  bytes = draftReport(deps, Number(incidentId), new Map(), 'https://slack.com/app_redirect?channel=C1').markdown.length;
  times.push(performance.now() - t0);
}
const peakRss = process.resourceUsage().maxRSS * 1024;
console.log(
  JSON.stringify({
    times,
    bytes,
    rssBeforeMb: rssBefore / 2 ** 20,
    peakRssMb: peakRss / 2 ** 20,
    peakOverBeforeMb: Math.max(0, peakRss - rssBefore) / 2 ** 20,
  }),
);
db.close();
