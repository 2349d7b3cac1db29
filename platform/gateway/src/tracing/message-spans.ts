import {
  childContext,
  formatTraceparent,
  nowMs,
  parseTraceparent,
  SpanKind,
  type SpanSink,
  type TraceContext,
} from '@relaybox/core';
import type { RoomMessage } from '@relaybox/protocol';
import { messageRefOf } from './message-trace.js';

// The OpenTelemetry spans of one message (docs/observability.md). Every emission point tests
// `spans.on` first, so none of this runs without an OTLP endpoint.
//
//   relaybox.publish (SERVER, the publishing gateway; child of the caller's traceparent, if any)
//   ├── relaybox.store            (INTERNAL: seq + history append)
//   ├── relaybox.broker.publish   (PRODUCER: until the broker confirmed; its context rides the broker)
//   │   └── relaybox.deliver      (CONSUMER, on every gateway that fans it out to local sockets)
//   └── relaybox.webhook.attempt  (CLIENT, one per try, in the worker that delivers the webhook)

/** The spans of one publish on the gateway that received it. */
export class PublishTrace {
  readonly publish: TraceContext;
  private readonly store: TraceContext;
  private readonly produce: TraceContext;
  private readonly parentSpanId: string | undefined;
  private readonly startMs = nowMs();
  private storedMs = 0;
  private publishedMs = 0;

  constructor(
    private readonly spans: SpanSink,
    private readonly nodeId: string,
    traceparent: string | undefined,
  ) {
    const parent = parseTraceparent(traceparent);
    this.parentSpanId = parent?.spanId;
    const publish = childContext(parent);
    if (spans.sampler) publish.sampled = spans.sampler.sample(publish.traceId, parent);
    this.publish = publish;
    this.store = childContext(this.publish);
    this.produce = childContext(this.publish);
  }

  /** What the broker carries: the context of the broker publish span. */
  get brokerTraceparent(): string {
    return formatTraceparent(this.produce);
  }

  /** What webhook jobs carry: the context of the publish span. */
  get traceparent(): string {
    return formatTraceparent(this.publish);
  }

  stored(): void {
    this.storedMs = nowMs();
  }

  published(): void {
    this.publishedMs = nowMs();
  }

  /** Records the spans (nothing when the caller's trace is not sampled). */
  end(
    input: { appId: string; room: string; clientId: string; via?: string; connectionId?: string | undefined },
    message: RoomMessage | undefined,
    outcome: { duplicate?: boolean; error?: unknown },
  ): void {
    if (!this.publish.sampled) return;
    const endMs = nowMs();
    const error = outcome.error === undefined ? undefined : errorText(outcome.error);
    // One literal (no spread): this runs per message, and a spread of dotted keys is several times slower.
    const attributes = {
      'messaging.system': 'relaybox',
      'messaging.destination.name': input.room,
      'relaybox.app_id': input.appId,
      'messaging.message.id': message?.id,
      'relaybox.seq': message?.seq,
      'relaybox.client_id': input.clientId,
      'relaybox.connection_id': input.connectionId,
      'relaybox.via': input.via ?? 'ws',
      'relaybox.node_id': this.nodeId,
      'relaybox.duplicate': outcome.duplicate,
    };
    const publishId = this.publish.spanId;
    this.spans.record({
      context: this.publish,
      parentSpanId: this.parentSpanId,
      name: 'relaybox.publish',
      kind: SpanKind.Server,
      startMs: this.startMs,
      endMs,
      attributes,
      error,
    });
    const storeEnd = this.storedMs || endMs;
    this.spans.record({
      context: this.store,
      parentSpanId: publishId,
      name: 'relaybox.store',
      kind: SpanKind.Internal,
      startMs: this.startMs,
      endMs: storeEnd,
      attributes,
      error: this.storedMs ? undefined : error,
    });
    if (!this.storedMs || outcome.duplicate) return;
    this.spans.record({
      context: this.produce,
      parentSpanId: publishId,
      name: 'relaybox.broker.publish',
      kind: SpanKind.Producer,
      startMs: this.storedMs,
      endMs: this.publishedMs || endMs,
      attributes,
      error: this.publishedMs ? undefined : error,
    });
  }
}

/**
 * `relaybox.deliver` of one message this gateway fanned out to `sockets` local sockets, as a child
 * of the broker publish span whose context the broker carried. Untraced messages record nothing.
 */
export function recordDelivery(
  spans: SpanSink,
  nodeId: string,
  message: { appId: string; room: string; payload: string; traceparent?: string },
  sockets: number,
  consumedMs: number,
): void {
  const parent = parseTraceparent(message.traceparent);
  if (!parent?.sampled) return;
  const ref = messageRefOf(message.payload);
  spans.record({
    context: childContext(parent),
    parentSpanId: parent.spanId,
    name: 'relaybox.deliver',
    kind: SpanKind.Consumer,
    startMs: consumedMs,
    endMs: nowMs(),
    attributes: {
      'messaging.system': 'relaybox',
      'messaging.destination.name': message.room,
      'relaybox.app_id': message.appId,
      'messaging.message.id': ref?.messageId,
      'relaybox.seq': ref?.seq,
      'relaybox.sockets': sockets,
      'relaybox.node_id': nodeId,
    },
  });
}

function errorText(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return code === undefined ? error.message : `${String(code)}: ${error.message}`;
}
