/**
 * Fires `onSilence` once when `kick` has not been called for `timeoutMs`. `kick` only records the
 * time (it runs for every frame), the timer re-arms itself for the remainder.
 */
export class Watchdog {
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastKick = 0;

  arm(timeoutMs: number, onSilence: () => void): void {
    this.stop();
    this.lastKick = Date.now();
    const check = (): void => {
      const remaining = this.lastKick + timeoutMs - Date.now();
      if (remaining > 0) {
        this.timer = setTimeout(check, remaining);
        return;
      }
      this.timer = undefined;
      onSilence();
    };
    this.timer = setTimeout(check, timeoutMs);
  }

  kick(): void {
    this.lastKick = Date.now();
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    this.timer = undefined;
  }
}
