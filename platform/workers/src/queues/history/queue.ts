import { defineQueue, type QueueDefinition } from '@relaybox/core';

export const HISTORY_QUEUE_NAME = 'history';

/** Apply age retention to every room with history (count retention happens on append). */
export interface HistoryJobDataV1 {
  v: 1;
  kind: 'trim-expired';
}

export type HistoryJobData = HistoryJobDataV1;

export const historyQueue: QueueDefinition<HistoryJobData> = defineQueue<HistoryJobData>(HISTORY_QUEUE_NAME, {
  attempts: 1,
});

/** One trim per period across the cluster (see `sweepJobId`). */
export function trimJobId(now: number, periodMs: number): string {
  return `trim-${Math.floor(now / periodMs)}`;
}
