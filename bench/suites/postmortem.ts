/**
 * Report drafting cost as the timeline grows: 100, 1,000 and 10,000 events, each drafted in its
 * own process (database read + model + Handlebars render), timed per run, with peak RSS.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BENCH_USERS, benchBot } from '../lib/bot.ts';
import { actorOf } from '../../src/incidents/permissions.ts';
import { summarise, type Figure, type Suite } from '../lib/stats.ts';

const CHILD = fileURLToPath(new URL('./postmortem-child.ts', import.meta.url));
const SIZES = [100, 1_000, 10_000];
const [ALICE, BOB] = BENCH_USERS as [(typeof BENCH_USERS)[0], (typeof BENCH_USERS)[0]];

export const postmortem: Suite = {
  name: 'postmortem',
  async run({ quick }) {
    const dir = mkdtempSync(join(tmpdir(), 'incident-bot-bench-pm-'));
    const dbPath = join(dir, 'pm.db');
    try {
      const bot = await benchBot({}, dbPath);
      const svc = bot.app.incidents;
      const ids = SIZES.map((size) => {
        const incident = svc.declare({
          title: `Report with ${size} events`,
          severity: 'sev2',
          declaredBy: ALICE.id,
          source: 'slack',
        });
        // A realistic mix: mostly notes and updates, some follow-ups (each a timeline row).
        bot.app.db.transaction(() => {
          for (let i = 0; i < size - 2; i++) {
            if (i % 10 === 9) svc.addFollowup(incident.id, `Follow-up ${i} <with> *markup* | pipes`, BOB.id, ALICE.id);
            else if (i % 3 === 0)
              svc.postUpdate(
                incident.id,
                'investigating',
                `Update ${i}: error rate ${i % 50}% on [checkout](x)`,
                actorOf(ALICE.id),
              );
            else
              svc.addNote(
                incident.id,
                `Note ${i}: looked at dashboard https://grafana.example/d/${i} and found _nothing_`,
                BOB.id,
              );
          }
        })();
        return incident.id;
      });
      await bot.stop();
      const figures: Figure[] = [];
      for (const [k, size] of SIZES.entries()) {
        const runs = quick ? 5 : 30;
        const out = execFileSync(
          process.execPath,
          ['--expose-gc', '--import', 'tsx', CHILD, dbPath, String(ids[k]), String(runs)],
          { encoding: 'utf8' },
        );
        const r = JSON.parse(out.trim().split('\n').at(-1)!) as {
          times: number[];
          bytes: number;
          peakRssMb: number;
          peakOverBeforeMb: number;
        };
        const target = size === 10_000 ? '< 250 ms' : '—';
        figures.push({
          ...summarise('postmortem', `draft ${size.toLocaleString('en')} events`, 'ms', r.times, target),
          note: `${Math.round(r.bytes / 1024)} kB of Markdown`,
          scale: { series: 'draft', size, of: 'timeline events' },
        });
        figures.push(
          summarise('postmortem', `peak RSS drafting ${size.toLocaleString('en')} events`, 'MB', [r.peakRssMb]),
          {
            ...summarise('postmortem', `peak RSS above pre-draft, ${size.toLocaleString('en')} events`, 'MB', [
              r.peakOverBeforeMb,
            ]),
            scale: { series: 'peak RSS above pre-draft', size, of: 'timeline events' },
          },
        );
      }
      return figures;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  },
};
