import {
  endpointWants,
  type JobQueue,
  type QueueDefinition,
  type WebhookEndpointResolver,
} from '@relaybox/core';
import { type WebhookJobData, webhookJobId, webhookQueue } from './queues/webhook/queue.js';
import type { WebhookEvent } from './webhook-events.js';

export interface WebhookDispatcherOptions {
  queue: JobQueue;
  endpoints: WebhookEndpointResolver;
  /** Default `webhookQueue()` (13 tries from 1 s). */
  definition?: QueueDefinition<WebhookJobData>;
}

/**
 * Turns an app's events into webhook jobs: one job per endpoint that subscribes to the event's type
 * (and, for `message.published`, matches the room with one of its `rooms` patterns). Apps and
 * events without a subscribed endpoint cost one resolver lookup and no job.
 */
export class WebhookDispatcher {
  private readonly queue: JobQueue;
  private readonly endpoints: WebhookEndpointResolver;
  private readonly definition: QueueDefinition<WebhookJobData>;

  constructor(options: WebhookDispatcherOptions) {
    this.queue = options.queue;
    this.endpoints = options.endpoints;
    this.definition = options.definition ?? webhookQueue();
  }

  /**
   * Enqueues the event for every subscribed endpoint of the app; resolves with how many. The job id
   * is `<event id>:<endpoint id>`, so emitting the same event again never delivers it twice to one
   * endpoint: after a rejection (some jobs may be stored), emit the same event again.
   * `traceparent` (OpenTelemetry export on) rides in the job data: delivery spans join that trace.
   */
  async emit(appId: string, event: WebhookEvent, traceparent?: string): Promise<number> {
    const room = event.type === 'message.published' ? event.data.room : undefined;
    const targets = (await this.endpoints.endpointsFor(appId)).filter((endpoint) =>
      endpointWants(endpoint, event.type, room),
    );
    await Promise.all(
      targets.map((endpoint) =>
        this.queue.enqueue(
          this.definition,
          traceparent === undefined
            ? { v: 1, appId, endpointId: endpoint.id, event }
            : { v: 1, appId, endpointId: endpoint.id, event, traceparent },
          { jobId: webhookJobId(event.id, endpoint.id) },
        ),
      ),
    );
    return targets.length;
  }

  /**
   * Queues the event again for one endpoint (a dead-letter requeue, an inbox replay): a new job
   * whose id is the original one plus `suffix` (the first job may still be kept as failed or
   * completed, and its id would make this a no-op), carrying the same event and so the same event id.
   */
  async redeliver(appId: string, endpointId: string, event: WebhookEvent, suffix: string): Promise<string> {
    const jobId = `${webhookJobId(event.id, endpointId)}:${suffix}`;
    await this.queue.enqueue(this.definition, { v: 1, appId, endpointId, event }, { jobId });
    return jobId;
  }
}
