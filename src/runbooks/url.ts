import { ErrorCode, UserError } from '../lib/errors.ts';
import { PLACEHOLDER } from './schema.ts';

/** A placeholder's value, already checked; `env.*` values are the operator's and taken as written. */
export type ValueOf = (ref: string) => string;

type Part = { text: string; ref?: undefined } | { text?: undefined; ref: string };
type Region = 'scheme' | 'authority' | 'path' | 'query' | 'fragment';

const WHOLE = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$/;
/** Characters a value may bring into a host name (or a port): nothing that ends or re-opens it. */
const HOST_CHARS = /^[A-Za-z0-9.-]+$/;
const DOT_SEGMENT = /^(?:\.|%2e){1,2}$/i;

const bad = (message: string) => new UserError(ErrorCode.BadArgument, message);

function parseHttp(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw bad(`\`${text.slice(0, 200)}\` is not a URL.`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw bad('Only http and https URLs can be called.');
  return url;
}

/** The template as literal text and placeholders, with `env.*` already written in (trusted). */
function parts(template: string, valueOf: ValueOf): Part[] {
  const out: Part[] = [];
  let last = 0;
  for (const m of template.matchAll(PLACEHOLDER)) {
    out.push({ text: template.slice(last, m.index) });
    const ref = m[1]!;
    out.push(ref.startsWith('env.') ? { text: valueOf(ref) } : { ref });
    last = m.index + m[0].length;
  }
  out.push({ text: template.slice(last) });
  return out;
}

/** Which part of the URL the text so far has reached, after `text`. */
function advance(region: Region, seen: string, text: string): [Region, string] {
  let r = region;
  let s = seen;
  for (const ch of text) {
    s = r === 'scheme' ? s + ch : '';
    if (r === 'scheme' && s.endsWith('://')) r = 'authority';
    else if (r === 'authority' && (ch === '/' || ch === '?' || ch === '#'))
      r = ch === '/' ? 'path' : ch === '?' ? 'query' : 'fragment';
    else if (r === 'path' && (ch === '?' || ch === '#')) r = ch === '?' ? 'query' : 'fragment';
    else if (r === 'query' && ch === '#') r = 'fragment';
  }
  return [r, s];
}

function hostValue(ref: string, value: string): string {
  const ok = HOST_CHARS.test(value) && !value.includes('..') && !/^[.-]|[.-]$/.test(value);
  if (!ok)
    throw bad(
      `\`${ref}\` is used in the URL's host and may hold only letters, digits, dots and dashes (not at either end, no "..").`,
    );
  return value;
}

const segments = (pathname: string) => pathname.split('/').length;

/**
 * Builds an http step's URL from its template so that no value can change where it goes: a value
 * in the host may only be host-name characters; anywhere else it is one percent-encoded component,
 * and a path segment that would read as `.` or `..` (which walks up the path) is refused. The
 * result is checked to have the template's origin and number of path segments. A template that is
 * a single placeholder takes a whole URL (http or https only; its address is checked at call time).
 */
export function buildUrl(template: string, valueOf: ValueOf): string {
  const whole = WHOLE.exec(template);
  if (whole) return parseHttp(valueOf(whole[1]!)).href;
  let region: Region = 'scheme';
  let seen = '';
  let text = '';
  let shape = '';
  let hostFromValue = false;
  for (const part of parts(template, valueOf)) {
    if (part.text !== undefined) {
      [region, seen] = advance(region, seen, part.text);
      text += part.text;
      shape += part.text;
      continue;
    }
    const value = valueOf(part.ref);
    if (region === 'scheme')
      throw bad(`\`${part.ref}\` cannot start a URL; a URL comes whole from one parameter or begins with http(s)://.`);
    if (region === 'authority') hostFromValue = true;
    text += region === 'authority' ? hostValue(part.ref, value) : encodeURIComponent(value);
    // A stand-in that is valid both as a host label and as a port.
    shape += region === 'authority' ? '1' : 'x';
  }
  const url = parseHttp(text);
  const path = text.replace(/^[^:]*:\/\/[^/?#]*/, '').split(/[?#]/)[0]!;
  if (path.split('/').some((segment) => DOT_SEGMENT.test(segment)))
    throw bad('A URL path segment may not be `.` or `..` (that would walk up the path); check the values given.');
  // Defence in depth: whatever the values, the URL has the template's shape.
  const expected = parseHttp(shape);
  if ((!hostFromValue && url.origin !== expected.origin) || segments(url.pathname) !== segments(expected.pathname)) {
    throw bad('The values given would change where this request goes; check them.');
  }
  return url.href;
}
