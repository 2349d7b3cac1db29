import { BatchReporter, type BatchReporterOptions } from './batch-reporter.js';

/**
 * A change of an app's dead-letter list as the control plane mirrors it: `add` when a delivery is
 * given up, `remove` when the letter left the list (requeued, or dropped by the list's bound). A
 * letter is named by (appId, endpointId, eventId, failedAt): a requeued event that fails again is
 * a new letter (a later `failedAt`), so a late `remove` of the old one never hides it.
 */
export type ReportedDeadLetterChange =
  | {
      op: 'add';
      appId: string;
      endpointId: string;
      eventId: string;
      type: string;
      attempts: number;
      reason: string;
      lastStatus?: number;
      lastError?: string;
      failedAt: number;
    }
  | { op: 'remove'; appId: string; endpointId: string; eventId: string; failedAt: number };

export const DEAD_LETTERS_PATH = '/internal/v1/webhooks/dead-letters';

/**
 * Reports dead-letter moves and removals of this process to the control plane (cloud mode), so the
 * dashboard's dead-letter list mirrors the shared Redis one. Batched and in order (see
 * `BatchReporter`); failures never block the webhook worker.
 */
export class DeadLetterReporter extends BatchReporter<ReportedDeadLetterChange> {
  constructor(options: BatchReporterOptions) {
    super(DEAD_LETTERS_PATH, 'webhook dead-letter', options);
  }
}
