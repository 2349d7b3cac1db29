import { randomBytes } from 'node:crypto';
import type { Broker, BrokerMessage, BrokerMessageHandler, BrokerState } from '@relaybox/core';
import { ErrorCode, RelayBoxError, shardOf } from '@relaybox/protocol';
import { ShardInterest } from '../memory/shard-interest.js';
import { decodeBrokerMessage, encodeBrokerMessage } from './amqp-codec.js';
import { AmqpSession, type AmqpSessionOptions } from './amqp-session.js';
import { fullJitter } from './full-jitter.js';

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
  /** Receives exceptions thrown by `onMessage` handlers. Default: rethrown asynchronously. */
  onError?: (error: unknown) => void;
}

/**
 * `Broker` over RabbitMQ (see the port for the guarantees). One durable topic exchange; per broker
 * one exclusive, auto-delete, server-named queue consumed with noAck, bound with routing key
 * `shard.<n>` while the shard has interest. Publishes go through a confirm channel.
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
    const session = this.session;
    if (this.currentState !== 'connected' || session === undefined) {
      return Promise.reject(unavailable(`the broker is ${this.currentState}`));
    }
    if (!session.writable) return Promise.reject(unavailable('RabbitMQ is blocking publishers'));
    let body: Buffer;
    try {
      body = encodeBrokerMessage(message);
    } catch (error) {
      return Promise.reject(error);
    }
    const routingKey = this.routingKeys[shardOf(message.appId, message.room, this.routingKeys.length)]!;
    return new Promise((resolve, reject) => {
      session.publish(
        routingKey,
        body,
        (error) => {
          if (error === null) resolve();
          else reject(unavailable('the broker did not confirm the message', error));
        },
        message.traceparent,
      );
    });
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
    const message = decodeBrokerMessage(body);
    if (message === null) return;
    if (traceparent !== undefined) message.traceparent = traceparent;
    for (const handler of this.handlers) {
      try {
        handler(message);
      } catch (error) {
        this.onError(error);
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
