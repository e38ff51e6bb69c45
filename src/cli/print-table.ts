/** A time as operators read it in a terminal: UTC, to the second. */
export const cliTime = (ms: number): string =>
  new Date(ms)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, 'Z');

/**
 * Rows as aligned columns under a header, two spaces apart. The last column is not padded, since it is
 * the long free text (an error, a detail) and trailing spaces would only wrap terminals.
 */
export function printTable(header: string[], cells: string[][]): string[] {
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === c.length - 1 ? v : v.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd();
  return [line(header), ...cells.map(line)];
}
