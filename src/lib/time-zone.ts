/** How far a time zone's wall clock is ahead of UTC at a moment (ms; negative west of Greenwich). */
export function zoneOffsetMs(zone: string, at: number): number {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
  }).formatToParts(at);
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
