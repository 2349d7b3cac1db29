import { CloseCode } from '@relaybox/protocol';
import type { Transport } from './transport.js';

/** Every message of a uWS topic reaching this node, until the returned function is called. */
export type TopicTap = (topic: string, tap: (payload: string) => void) => () => void;

/** How often a slowed connection is handed its next bytes. */
const TICK_MS = 50;

interface Throttle {
  readBytesPerSec: number;
  queue: string[];
  queuedBytes: number;
  /** Bytes the client may read now; may go negative after a frame larger than the budget. */
  budget: number;
  last: number;
  untap: Map<string, () => void>;
  tick: NodeJS.Timeout;
  ends?: NodeJS.Timeout;
}

/**
 * Fault injection's `client.slow`: makes one connection behave as a client that reads only
 * `readBytesPerSec`. While slowed, its room topics are taken off uWS's fan-out (so the one
 * `app.publish` per message keeps serving the room's other clients at full speed) and their
 * messages, like every frame sent to it, wait in a queue drained at the read rate. That queue counts
 * in `bufferedAmount`, so the gateway's real slow-consumer policy applies: past `maxBufferedBytes`
 * the sweep closes it with 4001, and past `maxQueuedBytes` it is closed at once, as uWS does past
 * its backpressure cap. `recover` hands the client everything queued, in order, and puts it back
 * on uWS's fan-out. Heartbeats (their own topic, outside this transport) are not slowed.
 *
 * Outside a fault it passes every call through and only remembers the topics it is subscribed to.
 */
export class SlowReaderTransport implements Transport {
  /** Made on the first subscribe: most connections are idle (issue 15: ≤ 3 KB each). */
  private topics: Set<string> | undefined;
  private throttle: Throttle | undefined;

  constructor(
    readonly inner: Transport,
    private readonly tapTopic: TopicTap,
    private readonly maxQueuedBytes: number,
  ) {}

  send(text: string): boolean {
    const throttle = this.throttle;
    if (!throttle) return this.inner.send(text);
    if (this.inner.closed) return false;
    throttle.queue.push(text);
    throttle.queuedBytes += text.length;
    if (throttle.queuedBytes > this.maxQueuedBytes)
      this.close(CloseCode.SlowConsumer, 'slow consumer: too many unsent bytes');
    return true;
  }

  close(code: number, reason: string): void {
    // What was queued is what a slow reader had not read: it goes with the connection.
    this.stopThrottle();
    this.inner.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.inner.bufferedAmount + (this.throttle?.queuedBytes ?? 0);
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  subscribe(topic: string): void {
    this.topics ??= new Set();
    this.topics.add(topic);
    if (this.throttle) this.tap(this.throttle, topic);
    else this.inner.subscribe(topic);
  }

  unsubscribe(topic: string): void {
    this.topics?.delete(topic);
    const untap = this.throttle?.untap.get(topic);
    if (untap) {
      untap();
      this.throttle?.untap.delete(topic);
    } else this.inner.unsubscribe(topic);
  }

  /** True while `slow` is in effect. */
  get slowed(): boolean {
    return this.throttle !== undefined;
  }

  /** The read rate while slowed, else undefined. */
  get readBytesPerSec(): number | undefined {
    return this.throttle?.readBytesPerSec;
  }

  /**
   * Reads at most `readBytesPerSec` from now on, for `durationMs` (then `recover` runs by itself).
   * Slowing a slowed connection again changes its rate and restarts its duration.
   */
  slow(readBytesPerSec: number, durationMs: number): void {
    if (this.inner.closed) return;
    let throttle = this.throttle;
    if (throttle) {
      clearTimeout(throttle.ends);
      throttle.readBytesPerSec = readBytesPerSec;
    } else {
      throttle = {
        readBytesPerSec,
        queue: [],
        queuedBytes: 0,
        budget: 0,
        last: Date.now(),
        untap: new Map(),
        tick: setInterval(() => this.drain(), TICK_MS),
      };
      this.throttle = throttle;
      for (const topic of this.topics ?? []) {
        // uWS hands this socket what was published to the topic before it leaves it first.
        this.inner.unsubscribe(topic);
        this.tap(throttle, topic);
      }
    }
    throttle.ends = setTimeout(() => this.recover(), durationMs);
  }

  /** Ends `slow`: everything queued is sent at once, in order, then uWS's fan-out takes over again. */
  recover(): void {
    const throttle = this.throttle;
    if (!throttle) return;
    this.stopThrottle();
    if (this.inner.closed) return;
    for (const frame of throttle.queue) this.inner.send(frame);
    for (const topic of this.topics ?? []) this.inner.subscribe(topic);
  }

  private tap(throttle: Throttle, topic: string): void {
    throttle.untap.set(
      topic,
      this.tapTopic(topic, (payload) => this.send(payload)),
    );
  }

  private drain(): void {
    const throttle = this.throttle;
    if (!throttle) return;
    if (this.inner.closed) {
      this.stopThrottle();
      return;
    }
    const now = Date.now();
    const perTick = (throttle.readBytesPerSec * TICK_MS) / 1000;
    // An idle reader does not save up more than one tick's worth.
    throttle.budget = Math.min(
      throttle.budget + (throttle.readBytesPerSec * (now - throttle.last)) / 1000,
      perTick,
    );
    throttle.last = now;
    while (throttle.budget > 0 && throttle.queue.length > 0) {
      const frame = throttle.queue.shift() as string;
      throttle.queuedBytes -= frame.length;
      throttle.budget -= frame.length;
      this.inner.send(frame);
    }
  }

  private stopThrottle(): void {
    const throttle = this.throttle;
    if (!throttle) return;
    this.throttle = undefined;
    clearInterval(throttle.tick);
    clearTimeout(throttle.ends);
    for (const untap of throttle.untap.values()) untap();
  }
}

/** The `SlowReaderTransport` under a session's transport (wrappers expose theirs as `inner`). */
export function slowReaderOf(transport: Transport): SlowReaderTransport | undefined {
  let current: Transport | undefined = transport;
  while (current) {
    if (current instanceof SlowReaderTransport) return current;
    current = (current as { inner?: Transport }).inner;
  }
  return undefined;
}
