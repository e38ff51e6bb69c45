import { LineCounter, isNode, parseDocument } from 'yaml';
import type { z } from 'zod';

export type Parsed<T> =
  | { value: T; problems: []; lineOf: (path: (string | number)[]) => number | undefined }
  | { value?: undefined; problems: string[] };

/**
 * Parses YAML and validates it with a schema; each problem is one line naming the file, the line
 * and the key (a misspelt key is reported by the name that was typed, as `unknownKey` words it).
 */
export function parseYamlFile<S extends z.ZodType>(
  schema: S,
  text: string,
  fileName: string,
  unknownKey = 'is not a setting',
  formatPath: (path: (string | number)[]) => string = (path) => path.join('.'),
): Parsed<z.infer<S>> {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { lineCounter, prettyErrors: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    return {
      problems: doc.errors.map((e) => {
        const line = e.linePos?.[0]?.line;
        return `${fileName}${line ? `:${line}` : ''}: ${e.message.split('\n')[0]}`;
      }),
    };
  }
  const lineOf = (p: (string | number)[]) => {
    const node = doc.getIn(p, true);
    const offset = isNode(node) && node.range ? node.range[0] : undefined;
    return offset === undefined ? undefined : lineCounter.linePos(offset).line;
  };
  // A key that is missing (a required one) has no line of its own: the nearest enclosing key's is given.
  const at = (p: (string | number)[]) => {
    let line: number | undefined;
    for (let n = p.length; line === undefined && n > 0; n--) line = lineOf(p.slice(0, n));
    return line === undefined ? '' : `:${line}`;
  };
  const result = schema.safeParse(doc.toJS() ?? {});
  if (result.success) return { value: result.data, problems: [], lineOf };
  return {
    problems: result.error.issues.flatMap((issue) => {
      const path = issue.path as (string | number)[];
      if (issue.code === 'unrecognized_keys') {
        return issue.keys.map((key) => `${fileName}${at([...path, key])}: ${formatPath([...path, key])} ${unknownKey}`);
      }
      const where = path.length > 0 ? formatPath(path) : '(top level)';
      return [`${fileName}${at(path)}: ${where} ${issue.message}`];
    }),
  };
}
