import {
  childContext,
  formatTraceparent,
  nowMs,
  parseTraceparent,
  SpanKind,
  type SpanSink,
  type TraceContext,
  type WebhookPostOutcome,
} from '@relaybox/core';
import type { WebhookJobData } from './queue.js';

/**
 * `relaybox.webhook.attempt` (CLIENT): one try of one webhook delivery, a child of the context the
 * job carries (the publish span of the message that caused it). The endpoint receives the span's
 * own `traceparent` header, so an instrumented receiver continues the same trace.
 */
export class AttemptSpan {
  private readonly context: TraceContext;
  private readonly startMs = nowMs();

  private constructor(
    private readonly parent: TraceContext,
    private readonly sink: SpanSink,
  ) {
    this.context = childContext(parent);
  }

  /** Undefined unless export is on and the job carries a sampled trace context. */
  static start(sink: SpanSink | undefined, job: WebhookJobData): AttemptSpan | undefined {
    if (!sink?.on || job.traceparent === undefined) return undefined;
    const parent = parseTraceparent(job.traceparent);
    return parent?.sampled ? new AttemptSpan(parent, sink) : undefined;
  }

  get traceparent(): string {
    return formatTraceparent(this.context);
  }

  end(
    job: { data: WebhookJobData; attempt: number; maxAttempts: number },
    url: string,
    outcome: WebhookPostOutcome,
  ): void {
    const ok = outcome.status !== undefined && outcome.status >= 200 && outcome.status < 300;
    const error = ok ? undefined : outcome.status === undefined ? outcome.error : `HTTP ${outcome.status}`;
    this.sink.record({
      context: this.context,
      parentSpanId: this.parent.spanId,
      name: 'relaybox.webhook.attempt',
      kind: SpanKind.Client,
      startMs: this.startMs,
      endMs: nowMs(),
      attributes: {
        'http.request.method': 'POST',
        'http.response.status_code': outcome.status,
        'server.address': hostOf(url),
        'relaybox.app_id': job.data.appId,
        'relaybox.webhook.endpoint_id': job.data.endpointId,
        'relaybox.webhook.event_id': job.data.event.id,
        'relaybox.webhook.event_type': job.data.event.type,
        'relaybox.webhook.attempt': job.attempt,
        'relaybox.webhook.max_attempts': job.maxAttempts,
      },
      error,
    });
  }
}

/** Only the host: a webhook URL's path or query may carry a receiver's secret. */
function hostOf(url: string): string | undefined {
  try {
    return new URL(url).hostname;
  } catch {
    return undefined;
  }
}
