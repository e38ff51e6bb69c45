import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

const MAX_HOST = 40;

/**
 * A name for this process among the replicas sharing a database, new at every start (a restarted
 * process is another replica: its predecessor's claims are not its own). The host and pid say where
 * to look; the random part keeps two starts with the same pid apart (containers all run as pid 1).
 */
export function newReplicaId(host: string = hostname()): string {
  const cleanHost = host.replace(/[^A-Za-z0-9.-]+/g, '-').slice(0, MAX_HOST) || 'host';
  return `${cleanHost}-${process.pid}-${randomBytes(4).toString('hex')}`;
}
