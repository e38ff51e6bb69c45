/** How much of the log a reader may fall behind by before lines are dropped: 8 MiB. */
export const LOG_BUFFER_LIMIT = 8 * 1024 * 1024;

/** An output stream as Node gives one for stdout: a pipe, a file, a terminal. */
export type OutputStream = NodeJS.WritableStream & { readonly writableLength: number };

export interface LogOutput {
  /** Takes one log line (pino's destination contract). */
  write(line: string): void;
  /** Lines dropped so far because the reader fell behind or went away. */
  dropped(): number;
}

/**
 * Where the bot's log lines go: the process's stdout, without ever waiting for its reader. Pino's
 * own destination writes from libuv's thread pool and flushes synchronously at exit, so a log pipe
 * nobody reads (a stuck log shipper, a paused `| less`) kept a stopping bot alive for ever: the
 * write blocked, and `process.exit` waits for the pool's threads. Node's stdout takes writes without
 * blocking (a pipe's queue waits in memory), and what it still holds is bounded by the shutdown's
 * wait (`exitOnceWritten`). Here the queue is bounded too: past `limit` bytes behind, lines are
 * dropped and counted, and once the reader catches up a line says how many were lost. The lines of
 * one event-loop turn go out in one write (one system call for a pipe or a file).
 */
export function logOutput(
  opts: { stream?: OutputStream; limit?: number; now?: () => number; onExit?: (flush: () => void) => void } = {},
): LogOutput {
  const stream = opts.stream ?? process.stdout;
  const limit = opts.limit ?? LOG_BUFFER_LIMIT;
  const now = opts.now ?? Date.now;
  let dropped = 0;
  /** Dropped since the last line that said so. */
  let untold = 0;
  /** The reader went away (EPIPE): nothing written from now on can arrive. */
  let gone = false;
  /** This turn's lines, written together once it ends. */
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    pending = [];
    pendingLength = 0;
    stream.write(text);
  };
  const queue = (line: string) => {
    if (pending.length === 0) process.nextTick(flush);
    pending.push(line);
    pendingLength += line.length;
  };
  // A failed write (a full disk under a redirected stdout, a reader gone) must not crash the bot: its
  // lines are lost, and counted.
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') gone = true;
  });
  // A bot ending by a thrown error (no turn left to end) still hands over its last lines.
  (opts.onExit ?? ((atExit) => process.once('exit', atExit)))(flush);

  const tellDropped = () => {
    const line = {
      level: 40,
      time: new Date(now()).toISOString(),
      service: 'incident-bot',
      event: 'log.dropped',
      dropped: untold,
      msg: `${untold} log lines dropped: their reader fell more than ${limit} bytes behind`,
    };
    untold = 0;
    queue(`${JSON.stringify(line)}\n`);
  };
  return {
    write(line) {
      if (gone || stream.writableLength + pendingLength + line.length > limit) {
        dropped += 1;
        untold += 1;
        return;
      }
      if (untold > 0) tellDropped();
      queue(line);
    },
    dropped: () => dropped,
  };
}
