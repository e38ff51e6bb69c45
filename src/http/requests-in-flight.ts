import type { Server } from 'node:http';

/** The requests a server has received and not yet answered (or lost to a closed connection). */
export interface RequestsInFlight {
  readonly count: number;
}

/** Counts `server`'s unanswered requests; `onIdle` is called each time the last one is answered. */
export function requestsInFlight(server: Server, onIdle: () => void): RequestsInFlight {
  let count = 0;
  server.on('request', (_req, res) => {
    count++;
    res.once('close', () => {
      if (--count === 0) onIdle();
    });
  });
  return {
    get count() {
      return count;
    },
  };
}
