import {
  type CloudLog,
  ControlPlaneClient,
  type ControlPlaneOptions,
  WEBHOOK_REQUEUES_PATH,
  type WebhookRequeueEvent,
} from '@relaybox/adapters';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

/**
 * Takes a dead letter off the shared list and queues its event again (resolves with the job id);
 * rejects with `not_found` when there is no such letter (another gateway took it first, or it was
 * dropped). On any other failure the letter is back on the list (WebhookAdmin.requeue).
 */
export type WebhookRequeue = (
  appId: string,
  endpointId: string,
  eventId: string,
) => Promise<{ jobId: string }>;

/** What a gateway answers to one `webhook-requeue` event. */
export type RequeueAnswer =
  | { outcome: 'requeued'; jobId: string }
  | { outcome: 'not_found' }
  | { outcome: 'failed'; message: string };

/**
 * Cloud mode: runs each pushed `webhook-requeue` and answers the control plane with its outcome.
 * Every connected gateway runs it; the dead letter is taken atomically from the shared Redis list,
 * so exactly one gateway queues the event and the others answer `not_found`. An answer that cannot
 * be sent is logged (the control plane then times out and says so; nothing is lost).
 */
export class WebhookRequeues {
  private readonly client: ControlPlaneClient;

  constructor(
    controlPlane: ControlPlaneOptions,
    private readonly requeue: WebhookRequeue,
    private readonly log: CloudLog,
  ) {
    this.client = new ControlPlaneClient(controlPlane);
  }

  async handle(event: WebhookRequeueEvent): Promise<RequeueAnswer> {
    const answer = await this.run(event);
    const path = `${WEBHOOK_REQUEUES_PATH}/${encodeURIComponent(event.requestId)}`;
    await this.client.postJson(path, answer).catch((error: unknown) =>
      this.log.warn('webhook requeue answer failed', {
        appId: event.appId,
        outcome: answer.outcome,
        error: String(error),
      }),
    );
    return answer;
  }

  private async run({ appId, endpointId, eventId }: WebhookRequeueEvent): Promise<RequeueAnswer> {
    try {
      const { jobId } = await this.requeue(appId, endpointId, eventId);
      this.log.info('requeued a dead letter for the dashboard', { appId, endpointId, eventId });
      return { outcome: 'requeued', jobId };
    } catch (error) {
      if (error instanceof RelayBoxError && error.code === ErrorCode.NotFound)
        return { outcome: 'not_found' };
      const message = error instanceof Error ? error.message : String(error);
      this.log.warn('webhook requeue failed; the dead letter stays', { appId, error: message });
      return { outcome: 'failed', message: message.slice(0, 500) };
    }
  }
}
