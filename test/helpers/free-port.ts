import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/** Where ports are sought: below the kernel's ephemeral range, above the usual services. */
const LOWEST = 10_000;
const ATTEMPTS = 100;
/** Slices of that range, one per concurrent test worker (VITEST_POOL_ID), so that two never seek the same port. */
const SLICES = 8;

/** The range the kernel takes source ports of outgoing connections from (Linux; the usual one elsewhere). */
function ephemeralRange(): { from: number; to: number } {
  try {
    const [from, to] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (from && to) return { from, to };
  } catch {
    // Not Linux (macOS, Windows): IANA's dynamic range, which they use.
  }
  return { from: 49_152, to: 65_535 };
}

const canListen = (port: number) =>
  new Promise<boolean>((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });

/** The port the kernel hands out for listen(0): free now, but in the range outgoing connections take theirs from. */
const kernelPort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        address && typeof address !== 'string' ? resolve(address.port) : reject(new Error('no port was given')),
      );
    });
  });

/** Ports this process has handed out: two servers asked for before either listens must not get the same one. */
const given = new Set<number>();

/**
 * A 127.0.0.1 port nobody listens on now, for a server started later in another process (a child
 * bot, PostgreSQL) that may be restarted at the same address. Sought below the kernel's ephemeral
 * range: a port from there is also where any process's next outgoing connection may take its source
 * port, between this check and the server's listen (EADDRINUSE, seen in the replica tests).
 */
export async function freePort(): Promise<number> {
  const below = ephemeralRange().from;
  // A kernel configured to hand out nearly every port leaves no range to keep out of.
  if (below - LOWEST < 1_000) return kernelPort();
  // Test files run in several worker processes at once: each seeks in a slice of its own.
  const slice = Math.floor((below - LOWEST) / SLICES);
  const from = LOWEST + (Number(process.env.VITEST_POOL_ID ?? 0) % SLICES) * slice;
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    const port = from + Math.floor(Math.random() * slice);
    if (given.has(port)) continue;
    // Taken before the check, which waits: a concurrent call must not pick it meanwhile.
    given.add(port);
    if (await canListen(port)) return port;
    given.delete(port);
  }
  throw new Error(`no free port below ${below} after ${ATTEMPTS} tries`);
}
