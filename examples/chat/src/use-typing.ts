import { useCallback, useEffect, useRef } from 'react';

/** Typing stops showing this long after the last keystroke. */
const IDLE_MS = 3000;

/**
 * A typing indicator carried in presence data (`{ typing }`), so it costs no stored message:
 * `typing()` on each keystroke sends `{ typing: true }` once, then `{ typing: false }` after
 * IDLE_MS without keystrokes or on `stop()` (a message was sent).
 */
export function useTyping(update: (data: unknown) => Promise<void>) {
  const timer = useRef<ReturnType<typeof setTimeout>>(undefined);
  const active = useRef(false);
  const stop = useCallback(() => {
    clearTimeout(timer.current);
    if (!active.current) return;
    active.current = false;
    update({ typing: false }).catch(() => {});
  }, [update]);
  const typing = useCallback(() => {
    clearTimeout(timer.current);
    timer.current = setTimeout(stop, IDLE_MS);
    if (active.current) return;
    active.current = true;
    update({ typing: true }).catch(() => {});
  }, [update, stop]);
  useEffect(() => () => clearTimeout(timer.current), []);
  return { typing, stop };
}
