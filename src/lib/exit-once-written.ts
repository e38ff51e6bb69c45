/**
 * Ends the process once what it wrote to its output has been handed to the OS. `process.exit`
 * alone drops whatever a pipe has not yet taken: `incident-bot outbox list | less` lost every
 * line past the pipe's 64 kB. An empty write is answered only after the writes queued before it,
 * and a reader that has gone away answers it with an error, which ends the wait too (the stream's
 * own 'error' is heard here, or it would crash the process with another exit code). `giveUpAfterMs`
 * bounds the wait, for a shutdown that must end even when nobody reads its output.
 */
export function exitOnceWritten(
  code: number,
  opts: { streams?: NodeJS.WritableStream[]; exit?: (code: number) => void; giveUpAfterMs?: number } = {},
): void {
  const streams: NodeJS.WritableStream[] = opts.streams ?? [process.stdout, process.stderr];
  const exit = opts.exit ?? ((c: number) => process.exit(c));
  let pending = streams.length;
  let done = false;
  const end = () => {
    if (done) return;
    done = true;
    exit(code);
  };
  if (opts.giveUpAfterMs !== undefined) setTimeout(end, opts.giveUpAfterMs).unref();
  if (pending === 0) return end();
  const written = () => {
    pending -= 1;
    if (pending === 0) end();
  };
  for (const stream of streams) stream.on('error', () => undefined);
  // In the next turn: what this turn has yet to hand to the streams (the log's lines, written once a
  // turn ends) then goes before the empty write, not after it.
  setImmediate(() => {
    for (const stream of streams) stream.write('', written);
  });
}
