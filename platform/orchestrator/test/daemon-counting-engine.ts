import type { Engine } from '../src/engine.js';

/**
 * Wraps a real engine and counts the event listeners and log followers currently subscribed,
 * so tests can see the daemon release them when a stream's client disconnects.
 */
export function countSubscriptions(engine: Engine): { engine: Engine; active: () => number } {
  let active = 0;
  const tracked = (off: () => void): (() => void) => {
    active++;
    let done = false;
    return () => {
      if (!done) active--;
      done = true;
      off();
    };
  };
  const wrapped: Engine = {
    name: engine.name,
    up: (o) => engine.up(o),
    down: () => engine.down(),
    status: () => engine.status(),
    scale: (s, r) => engine.scale(s, r),
    startService: (n) => engine.startService(n),
    stopService: (n) => engine.stopService(n),
    restartService: (n) => engine.restartService(n),
    logs: async (n, o, onLine) => {
      const off = await engine.logs(n, o, onLine);
      return o.follow ? tracked(off) : off;
    },
    onEvent: (listener) => tracked(engine.onEvent(listener)),
    faults: engine.faults,
  };
  return { engine: wrapped, active: () => active };
}
