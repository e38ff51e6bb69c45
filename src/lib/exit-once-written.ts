/** A stream the process writes to, as `process.stdout` and `process.stderr` are. */
export interface OutputStream {
  write(chunk: string, callback: (error?: Error | null) => void): boolean;
}

/**
 * Ends the process once what it wrote to its output has been handed to the OS. `process.exit`
 * alone drops whatever a pipe has not yet taken: `incident-bot outbox list | less` lost every
 * line past the pipe's 64 kB. An empty write is answered only after the writes queued before it,
 * and a reader that has gone away answers it with an error, which ends the wait too.
 */
export function exitOnceWritten(
  code: number,
  streams: OutputStream[] = [process.stdout, process.stderr],
  exit: (code: number) => void = (c) => process.exit(c),
): void {
  let pending = streams.length;
  if (pending === 0) return exit(code);
  const written = () => {
    pending -= 1;
    if (pending === 0) exit(code);
  };
  for (const stream of streams) stream.write('', written);
}
