import { randomBytes } from 'node:crypto';
import type { Broker, BrokerMessage, BrokerMessageHandler, BrokerState } from '@relaybox/core';
import { ErrorCode, RelayBoxError, shardOf } from '@relaybox/protocol';
import { ShardInterest } from '../memory/shard-interest.js';
import { decodeBrokerBody, encodeBrokerBatch, encodeBrokerMessage, WIRE_VERSION } from './amqp-codec.js';
import { AmqpSession, type AmqpSessionOptions } from './amqp-session.js';
import { fullJitter } from './full-jitter.js';
import {
  DEFAULT_BATCH_MAX_BYTES,
  DEFAULT_BATCH_MAX_MESSAGES,
  type PendingPublish,
  ShardBatcher,
} from './shard-batcher.js';

export interface AmqpBrokerOptions {
  /** `amqp://user:pass@host:port/vhost`; a `heartbeat` query parameter overrides `heartbeatSeconds`. */
  url: string;
  /** Durable topic exchange shared by every gateway of the cluster. Default 'relaybox.fanout'. */
  exchange?: string;
  /** S of `shardOf(appId, room, S)`; must be the same on every gateway. Default 64. */
  shardCount?: number;
  /** Names the connection (`relaybox-gw-<nodeId>`) in the RabbitMQ management UI. Default: random. */
  nodeId?: string;
  /** The connection's `connection_name` client property (default `relaybox-gw-<nodeId>`): operators and fault injection find it by this name. */
  connectionName?: string;
  /** Delay between the last unsubscribe of a shard and its unbind. Default 5000. */
  unbindGraceMs?: number;
  /** Full-jitter backoff bounds between reconnect attempts. Defaults 200 and 10000. */
  reconnectMinDelayMs?: number;
  reconnectMaxDelayMs?: number;
  /** AMQP heartbeat: a silent peer is declared dead after about twice this. Default 5. */
  heartbeatSeconds?: number;
  /** Bound on the TCP connect and AMQP handshake. Default 5000. */
  connectTimeoutMs?: number;
  /** Outstanding confirms with no progress for this long drop the connection (and reject). Default 10000. */
  confirmTimeoutMs?: number;
  /** Bound on each step of `close()`. Default 2000. */
  closeTimeoutMs?: number;
  /** amqplib's channel write buffer, in frames (default 1024); past it, publishes wait for 'drain'. */
  writeHighWaterMark?: number;
  /**
   * Publishes of one shard made in the same event-loop turn travel as one AMQP message (codec v2)
   * with one publisher confirm, up to this many messages (1: never batch, every message alone as v1,
   * what gateways before batching understood). Default 64, at most 65535.
   */
  batchMaxMessages?: number;
  /** Bound on the bytes of one batch; a larger message goes alone. Default 65536. */
  batchMaxBytes?: number;
  /** Receives exceptions thrown by `onMessage` handlers. Default: rethrown asynchronously. */
  onError?: (error: unknown) => void;
}

/**
 * `Broker` over RabbitMQ (see the port for the guarantees). One durable topic exchange; per broker
 * one exclusive, auto-delete, server-named queue consumed with noAck, bound with routing key
 * `shard.<n>` while the shard has interest. Publishes go through a confirm channel, batched per
 * shard within one event-loop turn (`ShardBatcher`): one AMQP message and one confirm per batch,
 * and every publish of a batch resolves on its confirm or rejects on its nack or on the loss of
 * the connection before it (RabbitMQ delivers a batch whole or not at all).
 *
 * States: 'disconnected' until `start()`, 'connecting' during an attempt, 'connected' once the
 * exchange, the queue and every binding with interest are in place. After a loss it reconnects on
 * its own with full-jitter backoff. While not 'connected', `publish` and `subscribe` reject at once
 * with a retryable `broker_unavailable`; interest that was already held is restored on reconnect.
 * `start()` makes a single attempt and rejects if it fails (the caller decides to retry or exit).
 */
export class AmqpBroker implements Broker {
  private currentState: BrokerState = 'disconnected';
  private session: AmqpSession | undefined;
  private connecting: Promise<void> | undefined;
  private reconnectTimer: ReturnType<typeof setTimeout> | undefined;
  private attempt = 0;
  private closed = false;
  private lastLossError: Error | undefined;
  private readonly interest: ShardInterest;
  private readonly routingKeys: string[];
  private readonly sessionOptions: AmqpSessionOptions;
  private readonly handlers: BrokerMessageHandler[] = [];
  private readonly stateListeners: ((state: BrokerState) => void)[] = [];
  private readonly onError: (error: unknown) => void;
  private readonly reconnectMinDelayMs: number;
  private readonly reconnectMaxDelayMs: number;
  private readonly batcher: ShardBatcher;

  constructor(options: AmqpBrokerOptions) {
    const shardCount = options.shardCount ?? 64;
    const nodeId = options.nodeId ?? randomBytes(6).toString('hex');
    this.sessionOptions = {
      url: withHeartbeat(options.url, options.heartbeatSeconds ?? 5),
      exchange: options.exchange ?? 'relaybox.fanout',
      connectionName: options.connectionName ?? `relaybox-gw-${nodeId}`,
      connectTimeoutMs: options.connectTimeoutMs ?? 5000,
      confirmTimeoutMs: options.confirmTimeoutMs ?? 10_000,
      closeTimeoutMs: options.closeTimeoutMs ?? 2000,
      writeHighWaterMark: options.writeHighWaterMark,
    };
    this.reconnectMinDelayMs = options.reconnectMinDelayMs ?? 200;
    this.reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 10_000;
    this.onError = options.onError ?? rethrowAsync;
    this.batcher = new ShardBatcher({
      maxMessages: options.batchMaxMessages ?? DEFAULT_BATCH_MAX_MESSAGES,
      maxBytes: options.batchMaxBytes ?? DEFAULT_BATCH_MAX_BYTES,
      send: (routingKey, batch) => this.sendBatch(routingKey, batch),
    });
    this.routingKeys = Array.from({ length: shardCount }, (_, shard) => `shard.${shard}`);
    this.interest = new ShardInterest(shardCount, options.unbindGraceMs ?? 5000, {
      bind: (shard) => this.bindShard(shard),
      unbind: (shard) => {
        this.session?.unbind(this.routingKeys[shard]!).catch(() => {});
      },
    });
  }

  get state(): BrokerState {
    return this.currentState;
  }

  /** Why the last connection was lost or the last attempt failed; for logs next to `onStateChange`. */
  get lastError(): Error | undefined {
    return this.lastLossError;
  }

  start(): Promise<void> {
    if (this.closed) return Promise.reject(unavailable('the broker is closed'));
    if (this.currentState === 'connected') return Promise.resolve();
    return this.connectOnce();
  }

  publish(message: BrokerMessage): Promise<void> {
    const refused = this.refusal();
    if (refused !== undefined) return Promise.reject(refused);
    const routingKey = this.routingKeys[shardOf(message.appId, message.room, this.routingKeys.length)]!;
    return this.batcher.add(routingKey, message);
  }

  /** Why a publish cannot be written now, or undefined when it can. */
  private refusal(): RelayBoxError | undefined {
    if (this.currentState !== 'connected' || this.session === undefined) {
      return unavailable(`the broker is ${this.currentState}`);
    }
    if (!this.session.writable) return unavailable('RabbitMQ is blocking publishers');
    return undefined;
  }

  /** One AMQP message for the batch (v1 when alone, with its traceparent as a header; else v2). */
  private sendBatch(routingKey: string, batch: PendingPublish[]): void {
    const session = this.session;
    const refused = this.refusal();
    if (refused !== undefined || session === undefined) {
      for (const entry of batch) entry.reject(refused);
      return;
    }
    const single = batch.length === 1 ? batch[0]!.measured : undefined;
    const body = single
      ? encodeBrokerMessage(single)
      : encodeBrokerBatch(batch.map((entry) => entry.measured));
    session.publish(
      routingKey,
      body,
      (error) => {
        if (error === null) for (const entry of batch) entry.resolve();
        else {
          const rejected = unavailable('the broker did not confirm the message', error);
          for (const entry of batch) entry.reject(rejected);
        }
      },
      single?.message.traceparent,
    );
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

  /** Stops reconnecting, waits (bounded) for outstanding confirms and closes the connection. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = undefined;
    this.interest.dropBindings();
    this.batcher.flush(); // written before the close, which waits (bounded) for their confirms
    const session = this.session;
    this.session = undefined;
    this.setState('closed');
    await Promise.all([session?.close(), this.connecting?.catch(() => {})]);
  }

  private connectOnce(): Promise<void> {
    if (this.currentState === 'connected') return Promise.resolve();
    this.connecting ??= this.connect().finally(() => {
      this.connecting = undefined;
    });
    return this.connecting;
  }

  /** One attempt: open a session, restore every binding with interest, then hand it out. */
  private async connect(): Promise<void> {
    this.setState('connecting');
    let session: AmqpSession | undefined;
    try {
      session = await AmqpSession.open(this.sessionOptions, {
        onDelivery: this.deliver,
        onLost: (lost, error) => this.handleLoss(lost, error),
      });
      if (this.closed) throw new Error('closed while connecting');
      this.session = session;
      const opened = session;
      // Bounded like the open: a bind whose reply never comes must not leave the broker connecting.
      await withDeadline(
        this.interest.restore((shard) => opened.bind(this.routingKeys[shard]!)),
        this.sessionOptions.connectTimeoutMs * 2,
        'restoring the bindings',
      );
      // The session may have died between the last bind's reply and this continuation.
      if (this.session !== session || !session.writable) throw new Error('connection lost while binding');
      this.attempt = 0;
      this.setState('connected');
    } catch (error) {
      this.lastLossError = error as Error;
      if (session) {
        if (this.session === session) this.session = undefined;
        this.interest.dropBindings();
        if (this.closed) await session.close();
        else session.destroy(error as Error);
      }
      this.setState('disconnected');
      throw unavailable('could not connect to RabbitMQ', error);
    }
  }

  private handleLoss(session: AmqpSession, error: Error): void {
    if (this.session !== session) return;
    this.session = undefined;
    this.lastLossError = error;
    this.interest.dropBindings();
    // While an attempt is still restoring bindings, its own failure path takes over.
    if (this.currentState !== 'connected') return;
    this.setState('disconnected');
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.reconnectTimer !== undefined) return;
    const delay = fullJitter(this.attempt++, this.reconnectMinDelayMs, this.reconnectMaxDelayMs);
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = undefined;
      this.connectOnce().catch(() => this.scheduleReconnect());
    }, delay);
  }

  private bindShard(shard: number): Promise<void> {
    const session = this.session;
    if (session === undefined || this.closed) {
      return Promise.reject(unavailable(`the broker is ${this.currentState}`));
    }
    return session.bind(this.routingKeys[shard]!).catch((error: unknown) => {
      throw unavailable('could not bind the shard', error);
    });
  }

  private readonly deliver = (body: Buffer, traceparent: string | undefined): void => {
    const messages = decodeBrokerBody(body);
    if (messages === null) return;
    // v1 only: a v2 entry carries its own traceparent.
    if (traceparent !== undefined && body[0] === WIRE_VERSION) messages[0]!.traceparent = traceparent;
    for (const message of messages) {
      for (const handler of this.handlers) {
        try {
          handler(message);
        } catch (error) {
          this.onError(error);
        }
      }
    }
  };

  private setState(state: BrokerState): void {
    if (state === this.currentState || this.currentState === 'closed') return;
    this.currentState = state;
    for (const listener of this.stateListeners) listener(state);
  }
}

function unavailable(message: string, cause?: unknown): RelayBoxError {
  return new RelayBoxError(ErrorCode.BrokerUnavailable, message, cause === undefined ? undefined : { cause });
}

function withHeartbeat(url: string, seconds: number): string {
  const parsed = new URL(url);
  if (parsed.searchParams.has('heartbeat')) return url;
  parsed.searchParams.set('heartbeat', String(seconds));
  return parsed.toString();
}

function rethrowAsync(error: unknown): void {
  queueMicrotask(() => {
    throw error;
  });
}

/** Rejects when `promise` has not settled within `ms` (it keeps running; its result is ignored). */
function withDeadline<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} did not complete within ${ms} ms`)), ms);
  });
  promise.catch(() => {});
  return Promise.race([promise, deadline]).finally(() => clearTimeout(timer));
}
