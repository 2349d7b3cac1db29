import { BatchReporter, type BatchReporterOptions } from './batch-reporter.js';

/** One webhook try as the control plane's delivery log stores it. */
export interface ReportedDeliveryAttempt {
  appId: string;
  endpointId: string;
  eventId: string;
  type: string;
  attempt: number;
  status?: number;
  error?: string;
  latencyMs: number;
  at: number;
}

export type DeliveryReporterOptions = BatchReporterOptions;

export const DELIVERIES_PATH = '/internal/v1/webhooks/deliveries';

/**
 * Reports the webhook tries of this process to the control plane (cloud mode), so the dashboard's
 * delivery log shows real deliveries. Batched (see `BatchReporter`): a batch lost with the process
 * is not reported (the Redis delivery log still has it).
 */
export class DeliveryReporter extends BatchReporter<ReportedDeliveryAttempt> {
  constructor(options: DeliveryReporterOptions) {
    super(DELIVERIES_PATH, 'webhook delivery', options);
  }
}
