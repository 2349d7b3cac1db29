import type { Broker, HistoryRetention, HistoryStore, MessageIdGenerator, SpanSink } from '@relaybox/core';
import type { PublishAck, RoomMessage } from '@relaybox/protocol';
import { PublishTrace } from './tracing/message-spans.js';
import { Tracer } from './tracing/tracer.js';

export interface PublishInput {
  appId: string;
  room: string;
  event: string;
  data: unknown;
  clientId: string;
  idempotencyKey?: string | undefined;
  /** The publishing connection (WebSocket publishes), for traces. */
  connectionId?: string | undefined;
  /** Where the publish came from, for traces. */
  via?: 'ws' | 'rest' | 'admin';
  /** The caller's W3C `traceparent` (REST header or publish frame field): the spans continue its trace. */
  traceparent?: string | undefined;
}

export interface PublisherOptions {
  /** The app's history retention (per-app overrides of the gateway default). */
  retention: (appId: string) => HistoryRetention;
  idempotencyWindowMs: number;
  /**
   * Called once per message delivered to the broker (not for idempotent duplicates). `traceparent`:
   * the publish span's context when OpenTelemetry export is on (webhook jobs carry it).
   */
  onPublished?: (appId: string, message: RoomMessage, bytes: number, traceparent?: string) => void;
  /** Emits received/stored/published/acked per message when tracing is on. */
  tracer?: Tracer;
  /** OpenTelemetry spans of every publish (off without an OTLP endpoint), and this node's id. */
  spans?: { sink: SpanSink; nodeId: string };
}

/** Publishes with an idempotency key whose fan-out is in doubt, remembered per gateway (FIFO-bounded). */
const MAX_IN_DOUBT = 10_000;

/**
 * The one publish path of the gateway, shared by WebSocket clients and the REST API: assign the
 * room's next seq and store the message in history (one atomic step), hand the frame (built once)
 * to the broker, and acknowledge only after the broker confirmed.
 *
 * A retry carrying an idempotency key seen within the window gets the original ack and is not
 * delivered again, with one exception: when this gateway failed the original after the history
 * append may have happened (the store's reply or the broker's confirm never came), the original
 * may never have been fanned out, and nothing would tell subscribers of a quiet room that it
 * exists. The retry then hands the stored original to the broker again before its ack; a
 * subscriber that did get it drops the repeat by seq. (A retry reaching another gateway does not
 * know; there the SDK's gap recovery finds the message at the room's next publish.)
 */
export class Publisher {
  /** `appId NUL room NUL idempotencyKey` of publishes that failed after their append may have run. */
  private readonly inDoubt = new Set<string>();

  constructor(
    private readonly history: HistoryStore,
    private readonly broker: Broker,
    private readonly ids: MessageIdGenerator,
    private readonly options: PublisherOptions,
  ) {}

  publish(input: PublishInput): Promise<PublishAck> {
    const spans = this.options.spans;
    // Export off: exactly one async call, as before spans existed (measured: `pnpm bench:otel`).
    if (!spans?.sink.on) return this.run(input, undefined);
    return this.publishTraced(input, new PublishTrace(spans.sink, spans.nodeId, input.traceparent));
  }

  private async publishTraced(input: PublishInput, trace: PublishTrace): Promise<PublishAck> {
    try {
      return await this.run(input, trace);
    } catch (error) {
      trace.end(input, undefined, { error });
      throw error;
    }
  }

  private async run(input: PublishInput, trace: PublishTrace | undefined): Promise<PublishAck> {
    if (input.idempotencyKey === undefined) return this.attempt(input, trace, false);
    const key = `${input.appId}\u0000${input.room}\u0000${input.idempotencyKey}`;
    try {
      const ack = await this.attempt(input, trace, this.inDoubt.has(key));
      this.inDoubt.delete(key);
      return ack;
    } catch (error) {
      this.rememberInDoubt(key);
      throw error;
    }
  }

  private rememberInDoubt(key: string): void {
    this.inDoubt.delete(key);
    this.inDoubt.add(key);
    if (this.inDoubt.size > MAX_IN_DOUBT) this.inDoubt.delete(this.inDoubt.values().next().value as string);
  }

  private async attempt(
    input: PublishInput,
    trace: PublishTrace | undefined,
    refanDuplicate: boolean,
  ): Promise<PublishAck> {
    const tracer = this.options.tracer ?? Tracer.off;
    const receivedAt = tracer.on ? Date.now() : 0;
    const { message, payload, duplicate } = await this.history.append({
      appId: input.appId,
      room: input.room,
      id: this.ids.next(),
      event: input.event,
      data: input.data,
      clientId: input.clientId,
      timestamp: Date.now(),
      idempotencyKey: input.idempotencyKey,
      retention: this.options.retention(input.appId),
      idempotencyWindowMs: this.options.idempotencyWindowMs,
    });
    trace?.stored();
    if (tracer.on) traceStored(tracer, input, message, duplicate, receivedAt);
    if (duplicate && refanDuplicate) {
      await this.broker.publish({ appId: input.appId, room: input.room, payload });
      if (tracer.on)
        tracer.emit('message.published', { ...messageFields(input, message), detail: { refanned: true } });
    } else if (!duplicate) {
      await this.broker.publish(
        trace
          ? { appId: input.appId, room: input.room, payload, traceparent: trace.brokerTraceparent }
          : { appId: input.appId, room: input.room, payload },
      );
      trace?.published();
      this.options.onPublished?.(input.appId, message, payload.length, trace?.traceparent);
      if (tracer.on) tracer.emit('message.published', messageFields(input, message));
    }
    if (tracer.on) tracer.emit('message.acked', { ...messageFields(input, message), detail: { duplicate } });
    trace?.end(input, message, { duplicate });
    return { id: message.id, seq: message.seq, timestamp: message.timestamp };
  }
}

function messageFields(input: PublishInput, message: RoomMessage) {
  return {
    appId: input.appId,
    room: input.room,
    messageId: message.id,
    seq: message.seq,
    clientId: input.clientId,
    ...(input.connectionId ? { connectionId: input.connectionId } : {}),
  };
}

/** `message.received` (stamped when the publish arrived: the id is only known now) and `message.stored`. */
function traceStored(
  tracer: Tracer,
  input: PublishInput,
  message: RoomMessage,
  duplicate: boolean,
  receivedAt: number,
): void {
  const fields = messageFields(input, message);
  tracer.emit(
    'message.received',
    { ...fields, detail: { via: input.via ?? 'ws', event: input.event } },
    receivedAt,
  );
  tracer.emit('message.stored', { ...fields, detail: { seq: message.seq, duplicate } });
}
