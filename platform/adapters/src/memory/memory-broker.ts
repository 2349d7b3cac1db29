import type { Broker, BrokerMessage, BrokerMessageHandler, BrokerState } from '@relaybox/core';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { MemoryBus, type MemoryBusEndpoint } from './memory-bus.js';
import { ShardInterest } from './shard-interest.js';

export interface MemoryBrokerOptions {
  /** Share a bus to connect several brokers (gateways) in one process. Default: a private bus. */
  bus?: MemoryBus;
  /** Delay between the last unsubscribe of a shard and its unbind. Default 5000. */
  unbindGraceMs?: number;
  /** Receives exceptions thrown by `onMessage` handlers. Default: rethrown asynchronously. */
  onError?: (error: unknown) => void;
}

const RESOLVED = Promise.resolve();

/**
 * `Broker` for one process (embedded engine, tests). Same shard and reference-count semantics as
 * `AmqpBroker`; `publish` resolves once the message is queued for every bound broker; delivery runs
 * in a microtask, never inside `publish`, in publish order. Handlers of all brokers on a bus get the
 * same message object and must not mutate it.
 */
export class MemoryBroker implements Broker, MemoryBusEndpoint {
  private currentState: BrokerState = 'disconnected';
  private readonly bus: MemoryBus;
  private readonly interest: ShardInterest;
  private readonly handlers: BrokerMessageHandler[] = [];
  private readonly stateListeners: ((state: BrokerState) => void)[] = [];
  private readonly onError: (error: unknown) => void;
  private inbox: BrokerMessage[] = [];
  private draining = false;

  constructor(options: MemoryBrokerOptions = {}) {
    this.bus = options.bus ?? new MemoryBus();
    this.onError = options.onError ?? rethrowAsync;
    this.interest = new ShardInterest(this.bus.shardCount, options.unbindGraceMs ?? 5000, {
      bind: (shard) => {
        if (this.currentState !== 'connected') return Promise.reject(unavailable(this.currentState));
        this.bus.bind(shard, this);
        return RESOLVED;
      },
      unbind: (shard) => this.bus.unbind(shard, this),
    });
  }

  get state(): BrokerState {
    return this.currentState;
  }

  start(): Promise<void> {
    if (this.currentState === 'closed') return Promise.reject(unavailable('closed'));
    this.setState('connected');
    return RESOLVED;
  }

  publish(message: BrokerMessage): Promise<void> {
    if (this.currentState !== 'connected') return Promise.reject(unavailable(this.currentState));
    const copy: BrokerMessage = { appId: message.appId, room: message.room, payload: message.payload };
    if (message.traceparent !== undefined) copy.traceparent = message.traceparent;
    this.bus.route(this.interest.shardOf(message.appId, message.room), copy);
    return RESOLVED;
  }

  subscribe(appId: string, room: string): Promise<void> {
    return this.interest.subscribe(appId, room);
  }

  unsubscribe(appId: string, room: string): void {
    this.interest.unsubscribe(appId, room);
  }

  onMessage(handler: BrokerMessageHandler): void {
    this.handlers.push(handler);
  }

  onStateChange(listener: (state: BrokerState) => void): void {
    this.stateListeners.push(listener);
  }

  close(): Promise<void> {
    if (this.currentState === 'closed') return RESOLVED;
    for (let shard = 0; shard < this.bus.shardCount; shard++) this.bus.unbind(shard, this);
    this.interest.dropBindings();
    this.inbox = [];
    this.setState('closed');
    return RESOLVED;
  }

  /** Called by the bus; delivery happens in a later microtask. */
  enqueue(message: BrokerMessage): void {
    this.inbox.push(message);
    if (this.draining) return;
    this.draining = true;
    queueMicrotask(this.drain);
  }

  private readonly drain = (): void => {
    // Handlers may publish: those messages join `inbox` and are delivered by this same loop, in order.
    const inbox = this.inbox;
    for (let i = 0; i < inbox.length && this.currentState !== 'closed'; i++) {
      const message = inbox[i]!;
      for (const handler of this.handlers) {
        try {
          handler(message);
        } catch (error) {
          this.onError(error);
        }
      }
    }
    if (this.inbox === inbox) inbox.length = 0;
    this.draining = false;
  };

  private setState(state: BrokerState): void {
    if (state === this.currentState) return;
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

function unavailable(state: BrokerState): RelayBoxError {
  return new RelayBoxError(ErrorCode.BrokerUnavailable, `broker is ${state}`);
}

function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}
