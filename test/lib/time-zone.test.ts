import { describe, expect, it } from 'vitest';
import { fromWallClock, startOfDay, zoneOffsetMs } from '../../src/lib/time-zone.ts';

const HOUR = 3_600_000;
const at = (iso: string) => Date.parse(iso);

describe('time zones', () => {
  it("tells a zone's offset from UTC, summer and winter", () => {
    expect(zoneOffsetMs('UTC', at('2026-07-01T12:00:00Z'))).toBe(0);
    expect(zoneOffsetMs('Europe/Berlin', at('2026-01-15T12:00:00Z'))).toBe(1 * HOUR);
    expect(zoneOffsetMs('Europe/Berlin', at('2026-07-15T12:00:00Z'))).toBe(2 * HOUR);
    expect(zoneOffsetMs('America/New_York', at('2026-01-15T12:00:00Z'))).toBe(-5 * HOUR);
    expect(zoneOffsetMs('Asia/Kolkata', at('2026-01-15T12:00:00Z'))).toBe(5.5 * HOUR);
  });

  it('keeps each zone apart when they are asked in turn', () => {
    const winter = at('2026-01-15T12:00:00Z');
    const answers = ['Europe/Berlin', 'America/New_York', 'Europe/Berlin', 'UTC', 'America/New_York'].map((zone) =>
      zoneOffsetMs(zone, winter),
    );
    expect(answers).toEqual([1 * HOUR, -5 * HOUR, 1 * HOUR, 0, -5 * HOUR]);
  });

  it('still answers for every zone after more zones than it keeps', () => {
    const zones = Intl.supportedValuesOf('timeZone').slice(0, 200);
    const winter = at('2026-01-15T12:00:00Z');
    const first = zones.map((zone) => zoneOffsetMs(zone, winter));
    expect(zones.map((zone) => zoneOffsetMs(zone, winter))).toEqual(first);
    expect(zoneOffsetMs('Europe/Berlin', winter)).toBe(1 * HOUR);
  });

  it('refuses a zone that does not exist', () => {
    expect(() => zoneOffsetMs('Mars/Olympus_Mons', 0)).toThrow(RangeError);
  });

  it('finds midnight on the days a clock changes (23 and 25 hours long)', () => {
    // Berlin: clocks go forward on 2026-03-29 and back on 2026-10-25.
    const spring = startOfDay('Europe/Berlin', at('2026-03-29T15:00:00Z'));
    expect(spring).toBe(at('2026-03-28T23:00:00Z'));
    expect(startOfDay('Europe/Berlin', at('2026-03-30T15:00:00Z')) - spring).toBe(23 * HOUR);
    const autumn = startOfDay('Europe/Berlin', at('2026-10-25T15:00:00Z'));
    expect(autumn).toBe(at('2026-10-24T22:00:00Z'));
    expect(startOfDay('Europe/Berlin', at('2026-10-26T15:00:00Z')) - autumn).toBe(25 * HOUR);
  });

  it('turns a wall-clock time in a zone into its moment', () => {
    expect(fromWallClock('America/New_York', Date.UTC(2026, 6, 4, 9, 30))).toBe(at('2026-07-04T13:30:00Z'));
    expect(fromWallClock('America/New_York', Date.UTC(2026, 0, 4, 9, 30))).toBe(at('2026-01-04T14:30:00Z'));
  });
});
