import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';

/**
 * This process's name among the replicas sharing a database: `host:pid:random`. The host and pid let a
 * process tell a previous life of itself on the same machine (see `previousLife`); the random part
 * keeps two lives with the same pid (a container's pid 1) apart. Bounded: a host name is cut to 64.
 */
export function replicaId(host: string = hostname(), pid: number = process.pid): string {
  return `${host.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 64)}:${pid}:${randomBytes(3).toString('hex')}`;
}

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
};

/**
 * Whether `runner` names a process of this machine that is gone, so its runs need not wait for its
 * heartbeat to go silent: the same host part as `self` and either our own pid (we have it now, so the
 * old process ended: a restarted container's pid 1) or a pid with no process behind it. Host names
 * must tell machines apart (they do by default in containers and Kubernetes); another replica on the
 * same machine is alive by its pid and left alone.
 */
export function previousLife(self: string, isAlive: (pid: number) => boolean = alive): (runner: string) => boolean {
  const [host, pid] = self.split(':');
  return (runner) => {
    const [rHost, rPid] = runner.split(':');
    if (runner === self || rHost !== host || !rPid || !/^\d{1,10}$/.test(rPid)) return false;
    return rPid === pid || !isAlive(Number(rPid));
  };
}
