import type { Duplex } from 'node:stream';
import { type Channel, type ChannelModel, type ConfirmChannel, connect, type Options } from 'amqplib';

/** amqplib's confirm callback: `null` once the broker took the message, an Error when it did not. */
export type ConfirmCallback = (error: Error | null) => void;

export interface AmqpSessionOptions {
  url: string;
  exchange: string;
  connectionName: string;
  connectTimeoutMs: number;
  /** Pending confirms or queued writes that make no progress for this long kill the session. */
  confirmTimeoutMs: number;
  closeTimeoutMs: number;
  /** amqplib's channel write buffer, in frames; `publish` returns false past it. */
  writeHighWaterMark: number | undefined;
}

export interface AmqpSessionEvents {
  /** `traceparent`: the W3C trace context header of the message, when its publisher sent one. */
  onDelivery(body: Buffer, traceparent: string | undefined): void;
  /** Once, when the connection or one of its channels dies; never after `close()`. */
  onLost(session: AmqpSession, error: Error): void;
}

interface QueuedPublish {
  routingKey: string;
  body: Buffer;
  callback: ConfirmCallback;
  traceparent: string | undefined;
}

const PUBLISH_OPTIONS: Options.Publish = {};

/** A message's trace context travels as the AMQP header `traceparent` (old gateways ignore it). */
function traceparentOf(headers: Record<string, unknown> | undefined): string | undefined {
  const value = headers?.traceparent;
  if (typeof value === 'string') return value;
  return Buffer.isBuffer(value) ? value.toString('latin1') : undefined;
}
const STALL_TICKS = 4;

/**
 * One AMQP connection: a confirm channel for publishing and a channel holding the exclusive,
 * auto-delete, server-named queue, its bindings and its noAck consumer. It is never repaired: when
 * anything in it fails it reports `onLost` once and the broker opens a new one.
 */
export class AmqpSession {
  private alive = true;
  private closing = false;
  private serverBlocked = false;
  private writeBlocked = false;
  private readonly queued: QueuedPublish[] = [];
  private queuedHead = 0;
  private published = 0;
  private highestConfirmed = 0;
  private progress = 0;
  private progressSeen = 0;
  private stalledTicks = 0;
  private readonly watchdog: ReturnType<typeof setInterval>;

  private constructor(
    private readonly options: AmqpSessionOptions,
    private readonly events: AmqpSessionEvents,
    private readonly model: ChannelModel,
    private readonly pub: ConfirmChannel,
    private readonly sub: Channel,
    private readonly queue: string,
  ) {
    this.watchdog = setInterval(this.checkProgress, Math.max(10, options.confirmTimeoutMs / STALL_TICKS));
    this.watchdog.unref();
  }

  /**
   * Opens a session, or rejects within twice `connectTimeoutMs`: a connection cut at the wrong
   * moment of the handshake or of the channel setup can leave amqplib waiting forever (seen with
   * the fault injector's link cuts), which would leave the broker `connecting` for good. An
   * attempt that settles after its deadline is destroyed.
   */
  static async open(options: AmqpSessionOptions, events: AmqpSessionEvents): Promise<AmqpSession> {
    let timer: ReturnType<typeof setTimeout> | undefined;
    let abandoned = false;
    const attempt = AmqpSession.openOnce(options, events);
    attempt.then(
      (session) => {
        if (abandoned) session.destroy(new Error('AMQP connection attempt abandoned after its deadline'));
      },
      () => {},
    );
    const limitMs = options.connectTimeoutMs * 2;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        abandoned = true;
        reject(new Error(`AMQP connection attempt did not complete within ${limitMs} ms`));
      }, limitMs);
    });
    try {
      return await Promise.race([attempt, deadline]);
    } finally {
      clearTimeout(timer);
    }
  }

  private static async openOnce(
    options: AmqpSessionOptions,
    events: AmqpSessionEvents,
  ): Promise<AmqpSession> {
    const model = await connect(options.url, {
      timeout: options.connectTimeoutMs,
      noDelay: true,
      clientProperties: { connection_name: options.connectionName },
    });
    let session: AmqpSession | undefined;
    let openError: Error | undefined;
    const lost = (error: Error): void => {
      openError ??= error;
      session?.lost(error);
    };
    model.on('error', () => {}); // 'close' follows with the cause; an unhandled 'error' would throw.
    model.on('close', (error?: Error) => lost(error ?? new Error('AMQP connection closed')));
    model.on('blocked', () => session?.setServerBlocked(true));
    model.on('unblocked', () => session?.setServerBlocked(false));
    try {
      const createConfirmChannel = model.createConfirmChannel as (o?: object) => Promise<ConfirmChannel>;
      const pub = await createConfirmChannel.call(model, { highWaterMark: options.writeHighWaterMark });
      const sub = await model.createChannel();
      for (const channel of [pub, sub]) {
        channel.on('error', () => {});
        // A channel closing alone (e.g. a server-side channel error) takes the session down. When the
        // whole connection closes, its 'close' follows synchronously and the deferred destroy is a no-op.
        channel.on('close', () => {
          const error = new Error('AMQP channel closed');
          openError ??= error;
          queueMicrotask(() => session?.destroy(error));
        });
      }
      await sub.assertExchange(options.exchange, 'topic', { durable: true });
      const { queue } = await sub.assertQueue('', { exclusive: true, autoDelete: true, durable: false });
      let consumer: AmqpSessionEvents['onDelivery'] | undefined;
      await sub.consume(
        queue,
        (message) => {
          if (message === null) session?.destroy(new Error('consumer cancelled by the server'));
          else consumer?.(message.content, traceparentOf(message.properties.headers));
        },
        { noAck: true, exclusive: true },
      );
      if (openError) throw openError;
      session = new AmqpSession(options, events, model, pub, sub, queue);
      consumer = events.onDelivery;
      pub.on('drain', session.onDrain);
      pub.on('ack', session.onConfirm);
      pub.on('nack', session.onConfirm);
      return session;
    } catch (error) {
      destroyModel(model, error as Error);
      throw error;
    }
  }

  /** False while the connection is dead or RabbitMQ blocks publishers (resource alarm). */
  get writable(): boolean {
    return this.alive && !this.serverBlocked;
  }

  bind(routingKey: string): Promise<void> {
    return this.sub.bindQueue(this.queue, this.options.exchange, routingKey).then(() => undefined);
  }

  unbind(routingKey: string): Promise<void> {
    return this.sub.unbindQueue(this.queue, this.options.exchange, routingKey).then(() => undefined);
  }

  /** Writes now, or queues behind a full write buffer until 'drain'; `callback` runs exactly once. */
  publish(routingKey: string, body: Buffer, callback: ConfirmCallback, traceparent?: string): void {
    if (this.writeBlocked) this.queued.push({ routingKey, body, callback, traceparent });
    else this.write(routingKey, body, callback, traceparent);
  }

  /** Waits (bounded) for outstanding confirms, then closes the connection; never reports `onLost`. */
  async close(): Promise<void> {
    if (!this.alive) return;
    this.closing = true;
    this.failQueued(new Error('broker closing'));
    const timeoutMs = this.options.closeTimeoutMs;
    await withTimeout(this.pub.waitForConfirms(), timeoutMs).catch(() => {});
    const closed = await withTimeout(this.model.close(), timeoutMs).then(
      () => true,
      () => false,
    );
    if (!closed) destroyModel(this.model, new Error('AMQP close timed out'));
    this.lost(new Error('closed'));
  }

  /** Drops the connection at once; amqplib then fails every outstanding confirm and `onLost` follows. */
  destroy(error: Error): void {
    if (this.alive && !this.closing) destroyModel(this.model, error);
  }

  private write(routingKey: string, body: Buffer, callback: ConfirmCallback, traceparent?: string): void {
    const options = traceparent === undefined ? PUBLISH_OPTIONS : { headers: { traceparent } };
    try {
      this.published++;
      if (!this.pub.publish(this.options.exchange, routingKey, body, options, callback)) {
        this.writeBlocked = true;
      }
    } catch (error) {
      // The channel is already closed: amqplib will not call this callback any more.
      callback(error as Error);
    }
  }

  private readonly onDrain = (): void => {
    this.progress++;
    this.writeBlocked = false;
    const queued = this.queued;
    while (!this.writeBlocked && this.queuedHead < queued.length) {
      const next = queued[this.queuedHead]!;
      queued[this.queuedHead++] = undefined as unknown as QueuedPublish;
      this.write(next.routingKey, next.body, next.callback, next.traceparent);
    }
    if (this.queuedHead === queued.length) {
      queued.length = 0;
      this.queuedHead = 0;
    }
  };

  private readonly onConfirm = (fields: { deliveryTag: number }): void => {
    this.progress++;
    if (fields.deliveryTag > this.highestConfirmed) this.highestConfirmed = fields.deliveryTag;
  };

  private readonly checkProgress = (): void => {
    const waiting = this.published > this.highestConfirmed || this.queuedHead < this.queued.length;
    if (!waiting || this.progress !== this.progressSeen) {
      this.progressSeen = this.progress;
      this.stalledTicks = 0;
      return;
    }
    if (++this.stalledTicks >= STALL_TICKS) this.destroy(new Error('publisher confirms stalled'));
  };

  private setServerBlocked(blocked: boolean): void {
    this.serverBlocked = blocked;
  }

  private lost(error: Error): void {
    if (!this.alive) return;
    this.alive = false;
    clearInterval(this.watchdog);
    this.failQueued(error);
    if (!this.closing) this.events.onLost(this, error);
  }

  private failQueued(error: Error): void {
    const queued = this.queued.splice(this.queuedHead);
    this.queued.length = 0;
    this.queuedHead = 0;
    for (const entry of queued) entry.callback(error);
  }
}

/** amqplib has no forced close: destroying its socket with an error runs its normal teardown. */
function destroyModel(model: ChannelModel, error: Error): void {
  const stream = (model.connection as unknown as { stream?: Duplex }).stream;
  stream?.destroy(error);
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
