/**
 * A value a plain object holds under `key` itself, never one it inherits: looked up with a word
 * from outside (a vendor's priority name, a word a person typed), `table['constructor']` would be
 * Object's constructor and `table['__proto__']` its prototype. Tables keyed by outside words use this.
 */
export function ownValue<V>(table: Readonly<Record<string, V>>, key: string | null | undefined): V | undefined {
  return typeof key === 'string' && Object.hasOwn(table, key) ? table[key] : undefined;
}
