import extracted from './rest-operations.json' with { type: 'json' };

/** One REST operation as PagerDuty's OpenAPI description gives it. */
export interface OperationSpec {
  method: string;
  path: string;
  params: { name: string; in: string; required: boolean }[];
  /** The JSON request body schema, `$ref`s inlined; null when the operation takes no body. */
  body: Record<string, unknown> | null;
}

/** The operations the bot calls (and the fake serves), by OpenAPI method and path. */
export const USED_OPERATIONS: [string, string][] = [
  ['get', '/users/{id}'],
  ['get', '/users/me'],
  ['get', '/abilities'],
  ['get', '/oncalls'],
  ['get', '/incidents'],
  ['post', '/incidents'],
  ['get', '/incidents/{id}'],
  ['put', '/incidents/{id}'],
  ['get', '/incidents/{id}/notes'],
  ['post', '/incidents/{id}/notes'],
];

type Json = Record<string, unknown>;

export function extractOperations(
  spec: { paths: Record<string, Record<string, Json>> },
  ops: [string, string][],
): OperationSpec[] {
  // `seen` is the chain of refs being expanded: a ref that refers back into it is a cycle, left open.
  const deref = (node: unknown, seen: string[] = []): unknown => {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((n) => deref(n, seen));
    const ref = (node as Json).$ref;
    if (typeof ref === 'string') {
      if (seen.includes(ref)) return {};
      let target: unknown = spec;
      for (const key of ref.replace(/^#\//, '').split('/')) target = (target as Json)[key];
      return deref(target, [...seen, ref]);
    }
    // Examples are documentation, not rules; leaving them out keeps the extract small.
    return Object.fromEntries(
      Object.entries(node as Json)
        .filter(([k]) => k !== 'example' && k !== 'examples')
        .map(([k, v]) => [k, deref(v, seen)]),
    );
  };
  return ops.map(([method, path]) => {
    const op = spec.paths[path]?.[method] as Json | undefined;
    if (!op) throw new Error(`${method.toUpperCase()} ${path} is not in the PagerDuty REST description`);
    const params = ((op.parameters as unknown[]) ?? []).map(
      (p) => deref(p) as { name: string; in: string; required?: boolean },
    );
    const body =
      (deref(op.requestBody) as { content?: Record<string, { schema?: Json }> } | undefined)?.content?.[
        'application/json'
      ]?.schema ?? null;
    return {
      method,
      path,
      params: params.map((p) => ({ name: p.name, in: p.in, required: Boolean(p.required) })),
      body,
    };
  });
}

export function loadOperations(): OperationSpec[] {
  return extracted as OperationSpec[];
}
