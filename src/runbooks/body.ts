import { PLACEHOLDER } from './schema.ts';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };
export type BodyTemplate = string | Json[] | { [key: string]: Json };
/** A placeholder's value, already checked (an integer parameter's is a number). */
export type ValueOf = (ref: string) => string | number;

const ONLY = /^\{\{\s*([A-Za-z_][\w.]*)\s*\}\}$/;
const hasPlaceholder = (text: string) => text.search(PLACEHOLDER) >= 0;

/**
 * A string body is JSON when it parses as JSON (placeholders sit inside its strings); it is then
 * built as data like a YAML body. Text that is not JSON is sent as written and may hold no
 * placeholder: splicing values into text (JSON, a form, XML) is how a value injects structure.
 */
export function bodyProblem(body: BodyTemplate): string | null {
  if (typeof body !== 'string' || !hasPlaceholder(body) || asJson(body) !== undefined) return null;
  return 'a body with placeholders must be JSON (or YAML data) so each value is serialised as one string; write it as `body: { key: "{{param}}" }`';
}

function asJson(text: string): Json | undefined {
  try {
    return JSON.parse(text) as Json;
  } catch {
    return undefined;
  }
}

/** Every string in a body that may hold placeholders, with its path (keys hold none: they are structure). */
export function bodyStrings(body: BodyTemplate): { path: (string | number)[]; text: string; isKey: boolean }[] {
  if (typeof body === 'string') {
    const json = asJson(body);
    return json === undefined
      ? [{ path: [], text: body, isKey: false }]
      : bodyStrings(json as BodyTemplate).map((s) => ({ ...s, path: [] }));
  }
  const out: { path: (string | number)[]; text: string; isKey: boolean }[] = [];
  const walk = (v: Json, path: (string | number)[]) => {
    if (typeof v === 'string') out.push({ path, text: v, isKey: false });
    else if (Array.isArray(v)) v.forEach((item, i) => walk(item, [...path, i]));
    else if (v && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        out.push({ path: [...path, k], text: k, isKey: true });
        walk(item, [...path, k]);
      }
    }
  };
  walk(body, []);
  return out;
}

function fill(v: Json, valueOf: ValueOf): Json {
  if (typeof v === 'string') {
    const only = ONLY.exec(v);
    // A string that is exactly one placeholder becomes the value itself (a number stays a number).
    if (only) return valueOf(only[1]!);
    return v.replace(PLACEHOLDER, (_m, ref: string) => String(valueOf(ref)));
  }
  if (Array.isArray(v)) return v.map((item) => fill(item, valueOf));
  if (v && typeof v === 'object')
    return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, fill(item, valueOf)]));
  return v;
}

/**
 * The request body: data with each value placed as a JSON string (or number) and serialised with
 * JSON.stringify, so `x","force":true,"y":"` is one string value, never a key.
 */
export function buildBody(body: BodyTemplate, valueOf: ValueOf): { text: string; json: boolean } {
  if (typeof body === 'string') {
    const json = hasPlaceholder(body) ? asJson(body) : undefined;
    if (json === undefined) {
      const problem = bodyProblem(body);
      if (problem) throw new Error(problem);
      return { text: body, json: false };
    }
    return { text: JSON.stringify(fill(json, valueOf)), json: true };
  }
  return { text: JSON.stringify(fill(body, valueOf)), json: true };
}
