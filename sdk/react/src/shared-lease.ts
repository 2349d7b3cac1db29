/**
 * A reference-counted hold on something that is costly or visible to undo (a join, a presence
 * membership, an owned client's connection). `acquire` runs when the first holder arrives and
 * `release` when the last one has gone, one task later: React StrictMode unmounts and remounts every
 * effect synchronously in development, and a holder that comes back within the same task cancels
 * the release, so the server never sees a leave followed by a join.
 */
export interface SharedLease {
  /** Takes a hold; the returned function gives it back (calling it twice is a no-op). */
  hold(): () => void;
}

export function sharedLease(acquire: () => void, release: () => void): SharedLease {
  let holders = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  return {
    hold() {
      if (timer !== undefined) {
        clearTimeout(timer);
        timer = undefined;
      } else if (holders === 0) {
        acquire();
      }
      holders++;
      let held = true;
      return () => {
        if (!held) return;
        held = false;
        if (--holders > 0) return;
        timer = setTimeout(() => {
          timer = undefined;
          release();
        }, 0);
      };
    },
  };
}
