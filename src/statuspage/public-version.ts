/**
 * The version of what the public pages show, read from the database only when it may have changed:
 * on the first read after this process tells of a commit (`changed()`), and otherwise at most once
 * per `recheckMs`, for a change made elsewhere (another replica, a job that wrote without telling).
 * Pages are served with `max-age=30`, so a second's lag on someone else's change is well inside what
 * readers already accept; reading three tables' maxima on every request was a third of the status
 * routes' time under load.
 */
export interface PublicVersion {
  current(): string;
  changed(): void;
}

export function publicVersion(read: () => string, recheckMs = 1000): PublicVersion {
  let known: string | undefined;
  let readAt = 0;
  return {
    current() {
      // Monotonic: a test's or an operator's clock may stand still or jump; the recheck must not.
      const at = performance.now();
      if (known === undefined || at - readAt >= recheckMs) {
        known = read();
        readAt = at;
      }
      return known;
    },
    changed() {
      known = undefined;
    },
  };
}
