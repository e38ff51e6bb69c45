/**
 * How far the log's reader may fall behind before lines are dropped, in characters (what Node's
 * stdout counts its queue in): 8 Mi, 8–24 MiB of UTF-8.
 */
export const LOG_BUFFER_LIMIT = 8 * 1024 * 1024;

/** An output stream as Node gives one for stdout: a pipe, a file, a terminal. */
export type OutputStream = NodeJS.WritableStream & { readonly writableLength: number; readonly isTTY?: boolean };

export interface LogOutput {
  /** Takes one log line (pino's destination contract). */
  write(line: string): void;
  /** Hands this turn's lines to the stream now, before something else is written to it directly. */
  flush(): void;
  /** Lines dropped so far: their reader fell behind or went away, or the write failed. */
  dropped(): number;
}

/**
 * Where the bot's log lines go: the process's stdout, without ever waiting for its reader. Pino's
 * own destination flushes synchronously at exit and writes from libuv's thread pool, so a log pipe
 * nobody reads (a stuck log shipper, a paused `| less`) kept a stopping bot alive for ever: the
 * flush retried, and `process.exit` waits for a pool thread blocked in its write. Node's stdout on a
 * pipe takes writes without blocking (its queue waits in memory), and what it still holds is bounded
 * by the shutdown's wait (`exitOnceWritten`). Here the queue is bounded too: past `limit` characters
 * behind, lines are dropped and counted, and once the reader catches up a line says how many were
 * lost. The lines of one event-loop turn go out in one write (one system call for a pipe or a file).
 */
export function logOutput(
  opts: { stream?: OutputStream; limit?: number; now?: () => number; onExit?: (flush: () => void) => void } = {},
): LogOutput {
  const stream = opts.stream ?? process.stdout;
  const limit = opts.limit ?? LOG_BUFFER_LIMIT;
  const now = opts.now ?? Date.now;
  unblockTerminal(stream);
  let dropped = 0;
  /** Dropped since the last line that said so. */
  let untold = 0;
  const drop = (lines: number) => {
    dropped += lines;
    untold += lines;
  };
  /** The reader went away (EPIPE): nothing written from now on can arrive. */
  let gone = false;
  /** This turn's lines, written together once it ends. */
  let pending: string[] = [];
  let pendingLength = 0;
  const flush = () => {
    if (pending.length === 0) return;
    const text = pending.join('');
    const lines = pending.length;
    pending = [];
    pendingLength = 0;
    // A failed write (a full disk under a redirected stdout, a reader gone) loses its lines: counted.
    stream.write(text, (error) => error && drop(lines));
  };
  const queue = (line: string) => {
    if (pending.length === 0) process.nextTick(flush);
    pending.push(line);
    pendingLength += line.length;
  };
  // Heard here, or a failed write would crash the bot.
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
      msg: `${untold} log lines dropped: more than ${limit} characters were waiting to be written, or a write failed`,
    };
    untold = 0;
    queue(`${JSON.stringify(line)}\n`);
  };
  return {
    write(line) {
      if (gone || stream.writableLength + pendingLength + line.length > limit) return drop(1);
      if (untold > 0) tellDropped();
      queue(line);
    },
    flush,
    dropped: () => dropped,
  };
}

/**
 * Node writes to a terminal in blocking mode: a terminal nobody reads (paused with Ctrl-S, a
 * `docker run -t` whose log reader is stuck) would freeze the whole bot in its write. Non-blocking,
 * its writes queue like a pipe's, under the same bound. libuv opened the terminal anew for this
 * stream, so the shell sharing it keeps its own mode. `setBlocking` is the handle's own method,
 * not a public API: where it is missing, the terminal stays as Node set it.
 */
function unblockTerminal(stream: OutputStream): void {
  if (!stream.isTTY) return;
  const handle = (stream as { _handle?: { setBlocking?: (blocking: boolean) => number } })._handle;
  handle?.setBlocking?.(false);
}
