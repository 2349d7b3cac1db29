import type { Broker, BrokerMessage } from '../broker.js';

/** Records what one broker's `onMessage` receives and lets a test wait for it. */
export class Inbox {
  readonly messages: BrokerMessage[] = [];
  private readonly waiters = new Set<() => void>();

  constructor(broker: Broker) {
    broker.onMessage((message) => {
      this.messages.push(message);
      for (const wake of this.waiters) wake();
    });
  }

  /** Payloads received for one room, in arrival order. */
  payloads(room?: string): string[] {
    const out: string[] = [];
    for (const m of this.messages) if (room === undefined || m.room === room) out.push(m.payload);
    return out;
  }

  /** Resolves once `done()` holds after a message arrived; rejects after `timeoutMs` with what was received. */
  until(done: () => boolean, timeoutMs = 5000, what = 'condition'): Promise<void> {
    if (done()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const check = (): void => {
        if (!done()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        const seen = this.messages.map((m) => `${m.room}:${m.payload.slice(0, 40)}`).slice(-10);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; last received: ${seen}`));
      }, timeoutMs);
      this.waiters.add(check);
    });
  }

  /** Resolves once a message with this payload arrived in this room. */
  received(room: string, payload: string, timeoutMs?: number): Promise<void> {
    return this.until(
      () => this.messages.some((m) => m.room === room && m.payload === payload),
      timeoutMs,
      `"${payload}" in ${room}`,
    );
  }
}
