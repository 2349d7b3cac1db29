import type { Transport } from '../transport.js';
import type { FrameLog } from './frame-log.js';

/** Cumulative messages and bytes the hub fanned out on one topic (shared by its subscribers). */
export interface TopicCounter {
  messages: number;
  bytes: number;
}

interface Baseline {
  counter: TopicCounter;
  messages: number;
  bytes: number;
}

/**
 * A transport that counts what reaches its connection, for the inspector, without any per-socket
 * work on the fan-out path: frames it sends itself are counted as they pass, and room messages
 * (delivered by one uWS publish per topic) are read from the hub's per-topic counters as the
 * difference since this connection subscribed. Reading `messagesOut` is O(subscribed topics).
 */
export class CountingTransport implements Transport {
  private sentMessages = 0;
  private sentBytes = 0;
  private leftMessages = 0;
  private leftBytes = 0;
  /** Made on the first subscribe: most connections are idle (issue 15: ≤ 3 KB each). */
  private baselines: Map<string, Baseline> | undefined;
  /** Set while the inspector watches this connection: frames sent here are recorded there. */
  frameLog: FrameLog | undefined;

  constructor(
    readonly inner: Transport,
    private readonly topicCounter: (topic: string) => TopicCounter | undefined,
  ) {}

  send(text: string): boolean {
    this.sentMessages++;
    this.sentBytes += text.length;
    this.frameLog?.record('out', text);
    return this.inner.send(text);
  }

  close(code: number, reason: string): void {
    this.inner.close(code, reason);
  }

  get bufferedAmount(): number {
    return this.inner.bufferedAmount;
  }

  get closed(): boolean {
    return this.inner.closed;
  }

  subscribe(topic: string): void {
    this.inner.subscribe(topic);
    const counter = this.topicCounter(topic);
    if (!counter) return;
    this.baselines ??= new Map();
    this.baselines.set(topic, { counter, messages: counter.messages, bytes: counter.bytes });
  }

  unsubscribe(topic: string): void {
    this.inner.unsubscribe(topic);
    const base = this.baselines?.get(topic);
    if (!base) return;
    this.baselines?.delete(topic);
    this.leftMessages += base.counter.messages - base.messages;
    this.leftBytes += base.counter.bytes - base.bytes;
  }

  get messagesOut(): number {
    let n = this.sentMessages + this.leftMessages;
    for (const b of this.baselines?.values() ?? []) n += b.counter.messages - b.messages;
    return n;
  }

  get bytesOut(): number {
    let n = this.sentBytes + this.leftBytes;
    for (const b of this.baselines?.values() ?? []) n += b.counter.bytes - b.bytes;
    return n;
  }
}
