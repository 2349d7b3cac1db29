import { roomTopic } from '../hub.js';
import type { Transport } from '../transport.js';
import type { RoomMetricsAggregator } from './room-metrics.js';

/**
 * Room metrics to the connections that asked (`metrics.subscribe`): one aggregator listener and
 * one uWS topic per watched room on this gateway, so each push is serialized once and published
 * once (at most once per second), whatever the number of watchers.
 */
export class RoomMetricsFanout {
  private readonly watched = new Map<string, { watchers: number; off: () => void }>();

  constructor(
    private readonly aggregator: RoomMetricsAggregator,
    private readonly publishLocal: (topic: string, payload: string) => void,
  ) {}

  watch(transport: Transport, appId: string, room: string): void {
    const topic = `${roomTopic(appId, room)}|metrics`;
    let entry = this.watched.get(topic);
    if (!entry) {
      const off = this.aggregator.subscribe(appId, room, (metrics) =>
        this.publishLocal(topic, JSON.stringify({ type: 'metrics', room, metrics })),
      );
      entry = { watchers: 0, off };
      this.watched.set(topic, entry);
    }
    entry.watchers++;
    transport.subscribe(topic);
  }

  unwatch(transport: Transport, appId: string, room: string): void {
    const topic = `${roomTopic(appId, room)}|metrics`;
    transport.unsubscribe(topic);
    const entry = this.watched.get(topic);
    if (!entry) return;
    entry.watchers--;
    if (entry.watchers > 0) return;
    entry.off();
    this.watched.delete(topic);
  }
}
