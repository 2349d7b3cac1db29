/** Background intervals of one component: never keep the process alive, all cleared at once. */
export class Intervals {
  private timers: NodeJS.Timeout[] = [];

  every(ms: number, fn: () => void): void {
    const timer = setInterval(fn, ms);
    timer.unref();
    this.timers.push(timer);
  }

  clear(): void {
    for (const timer of this.timers) clearInterval(timer);
    this.timers = [];
  }
}
