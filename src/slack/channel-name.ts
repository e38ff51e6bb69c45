import { zoneOffsetMs } from '../lib/time-zone.ts';
import { slugify } from '../text/slugify.ts';

/**
 * Slack channel names: lowercase letters, digits, hyphens and underscores, at most 80 characters.
 * We name incident channels `<prefix>-YYYYMMDD-<slug>` so they sort by date and say what broke.
 */
const CHANNEL_NAME_MAX = 80;
const SUFFIX_ROOM = 4; // "-999": room for the suffix that resolves name_taken

/** The date in the team's zone, as YYYYMMDD. Through the zone's one kept formatter: making one costs more than a room's name does. */
export function datePart(ms: number, timeZone: string): string {
  return new Date(ms + zoneOffsetMs(timeZone, ms)).toISOString().slice(0, 10).replaceAll('-', '');
}

export function baseChannelName(opts: {
  prefix: string;
  title: string;
  incidentId: number;
  declaredAt: number;
  timeZone: string;
}): string {
  const head = `${opts.prefix}-${datePart(opts.declaredAt, opts.timeZone)}-`;
  const room = CHANNEL_NAME_MAX - SUFFIX_ROOM - head.length;
  // A title with nothing Slack can spell (only symbols, or a non-Latin script) still gets a unique name.
  let slug = slugify(opts.title) || `incident-${opts.incidentId}`;
  if (slug.length > room) {
    slug = slug.slice(0, room);
    const lastHyphen = slug.lastIndexOf('-');
    if (lastHyphen > room / 2) slug = slug.slice(0, lastHyphen);
    slug = slug.replace(/-+$/, '');
  }
  return head + slug;
}

/** The name to try on the n-th attempt (0-based) after `name_taken`. */
export function candidateName(base: string, attempt: number): string {
  return attempt === 0 ? base : `${base}-${attempt + 1}`;
}

export function isLegalChannelName(name: string): boolean {
  return name.length > 0 && name.length <= CHANNEL_NAME_MAX && /^[a-z0-9][a-z0-9_-]*$/.test(name);
}
