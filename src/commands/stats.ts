import { SEVERITIES, type Severity } from '../incidents/types.ts';
import type { Group, Stat } from '../insights/figures.ts';
import { isPeriod, PERIODS, type Period } from '../insights/periods.ts';
import type { Comparison, InsightsQuery } from '../insights/service.ts';
import { ErrorCode } from '../lib/errors.ts';
import { formatDuration } from '../text/durations.ts';
import { bold, code, join, ReplyError, say, user, type Reply } from './reply.ts';
import { words } from './parse.ts';
import type { CommandContext, CommandReply } from './types.ts';

/** Bounds on what is read: a stats request is a few words. */
const MAX_WORDS = 12;
const SERVICE = /^[A-Za-z0-9][\w.:/-]{0,63}$/;
const USAGE = code('/incident stats [7d|30d|90d|quarter] [sev1…] [service…]');

const refuse = (reply: Reply): never => {
  throw new ReplyError(ErrorCode.BadArgument, join([reply, say`Usage: ${USAGE}`], ' '));
};

/** Reads `[period] [sev…] [service…]` in any order; anything else is refused with what was wrong. */
export function parseStatsArgs(plain: string): InsightsQuery {
  const tokens = words(plain);
  if (tokens.length > MAX_WORDS) refuse(say`At most ${MAX_WORDS} words, please.`);
  let period: Period | undefined;
  const severities: Severity[] = [];
  const services: string[] = [];
  for (const raw of tokens) {
    const word = raw.toLowerCase();
    const sev = /^sev-?([1-4])$/.exec(word);
    if (isPeriod(word)) {
      if (period && period !== word) refuse(say`Give one period, not ${code(period)} and ${code(word)}.`);
      period = word;
    } else if (sev) {
      const s = SEVERITIES[Number(sev[1]) - 1]!;
      if (!severities.includes(s)) severities.push(s);
    } else if (/^\d+[a-z]*$/.test(word) || /^sev/.test(word)) {
      const p = PERIODS.map((x) => code(x));
      refuse(
        say`${code(raw.slice(0, 20))} is not a period or severity: periods are ${p[0]!}, ${p[1]!}, ${p[2]!}, ${p[3]!}; severities ${code('sev1')}…${code('sev4')}.`,
      );
    } else if (SERVICE.test(raw)) {
      if (!services.some((s) => s.toLowerCase() === word)) services.push(raw);
    } else {
      refuse(say`${code(raw.slice(0, 40).replace(/`/g, ''))} is not a service name (letters, digits, . _ - : /).`);
    }
  }
  return { period: period ?? '30d', severities, services };
}

const dur = (ms: number | null) => (ms === null ? 'n/a' : formatDuration(ms));

/** "▲ 2m" when it got longer (worse), "▼" when shorter, against what the period before had. */
function change(now: number | null, before: number | null, format: (n: number) => string): string {
  if (now === null || before === null) return before === null ? 'nothing to compare with' : `was ${format(before)}`;
  if (now === before) return `same as before (${format(before)})`;
  return `${now > before ? '▲' : '▼'} ${format(Math.abs(now - before))} from ${format(before)}`;
}

function timing(label: string, pick: (g: Group) => Stat, c: Comparison): Reply {
  const now = pick(c.current.overall);
  const before = pick(c.previous.overall);
  return say`${bold(label)}: median ${dur(now.median)}, p90 ${dur(now.p90)} (${change(now.median, before.median, formatDuration)})`;
}

/** The headline figures, each against the period before, as sections of one answer. */
export function statsSections(q: InsightsQuery, c: Comparison): Reply[] {
  const o = c.current.overall;
  const p = c.previous.overall;
  const count = (n: number) => String(n);
  const filters = [...q.severities.map((s) => s.toUpperCase()), ...q.services];
  const heading = say`${bold(`Incidents, ${c.ranges.label}`)}${filters.length ? ` (${filters.join(', ')})` : ''}`;
  const people = c.current.pagesByPerson.slice(0, 3).flatMap((l, i): Reply => {
    const who = l.person === 'unassigned' ? say`nobody found` : say`${user(l.person)}`;
    return say`${i ? ', ' : ''}${who} ${l.pages}`;
  });
  return [
    heading,
    say`${bold('Incidents')}: ${o.incidents}, ${o.resolved} resolved (${change(o.incidents, p.incidents, count)})`,
    timing('Time to acknowledge', (g) => g.acknowledge, c),
    timing('Time to resolve', (g) => g.resolve, c),
    say`${bold('Pages')}: ${o.pages}, ${o.pagesOutOfHours} out of hours (${change(o.pages, p.pages, count)})`,
    ...(people.length ? [say`${bold('Most paged')}: ${people}`] : []),
  ];
}

export function stats(ctx: CommandContext): CommandReply {
  const insights = ctx.services.insights;
  if (!insights) throw new ReplyError(ErrorCode.BadArgument, say`Insights are not set up on this bot.`);
  const q = parseStatsArgs(ctx.text.plain(ctx.args));
  if (q.services.length) {
    const known = insights.knownServices(q, ctx.now);
    const unknown = q.services.filter((s) => !known.some((k) => k.toLowerCase() === s.toLowerCase()));
    if (unknown.length) {
      const list = known.length
        ? say`Services with incidents then: ${known.slice(0, 20).join(', ')}.`
        : say`No service had incidents then.`;
      refuse(say`No incidents from ${unknown.join(', ')} in this period or the one before. ${list}`);
    }
  }
  const sections = statsSections(q, insights.compare(q, ctx.now));
  return {
    text: join(sections),
    blocks: { sections, link: { text: 'Open the insights page (link valid 24 h)', url: insights.link(q, ctx.now) } },
  };
}
