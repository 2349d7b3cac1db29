import type { HubObserver } from '../hub.js';
import type { MembershipObserver } from '../room-subscriptions.js';
import type { GatewayMetrics } from './gateway-metrics.js';
import type { RoomMetricsAggregator } from './room-metrics.js';

/** Feeds both metrics sinks (Prometheus per app, room figures per room) from the hub's events. */
export function hubObserver(metrics: GatewayMetrics, rooms: RoomMetricsAggregator): HubObserver {
  return {
    delivered(appId, room, deliveries, bytes) {
      metrics.delivered(appId, deliveries, bytes);
      rooms.recordDelivery(appId, room, deliveries, bytes);
    },
    subscribers(appId, room, count) {
      rooms.setSubscribers(appId, room, count);
    },
    roomActive(appId, active) {
      if (active) metrics.roomActivated(appId);
      else metrics.roomDeactivated(appId);
    },
  };
}

export function membershipObserver(rooms: RoomMetricsAggregator): MembershipObserver {
  return { joined: (appId, room, delta) => rooms.addConnections(appId, room, delta) };
}
