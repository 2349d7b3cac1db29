/**
 * Runs at most `limit` tasks at once; the others wait in arrival order.
 *
 * A waiting task starts in a later turn of the event loop (`setImmediate`), never in the
 * microtasks of the task that freed its slot: between one connection's costly reads the gateway
 * polls its sockets, so other clients' frames are served in between however many reads that
 * connection queued. A task whose turn comes once `cancelled()` holds (its connection closed) is
 * not run: it resolves `undefined`, so a flood cut off by the budget leaves no work behind.
 */
export class ReadQueue {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(
    private readonly limit: number,
    private readonly cancelled: () => boolean = () => false,
  ) {}

  async run<T>(task: () => Promise<T>): Promise<T | undefined> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return this.cancelled() ? undefined : await task();
    } finally {
      const next = this.waiting.shift();
      // The slot passes straight to the next waiter, so `running` stays at the limit.
      if (next) setImmediate(next);
      else this.running--;
    }
  }
}
