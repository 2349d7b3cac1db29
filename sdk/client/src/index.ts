export {
  ErrorCode,
  type PresenceMember,
  type PublishAck,
  RelayBoxError,
  type RoomMessage,
  type RoomMetrics,
} from '@relaybox/protocol';
export type { Connection, ConnectionEvents, ConnectionState, StateChange } from './connection.js';
export { RelayBox } from './relay-box.js';
export type {
  FetchLike,
  RelayBoxOptions,
  TokenResult,
  WebSocketConstructor,
} from './relay-box-options.js';
export type { DiscontinuityInfo, MessageListener, PublishOptions, Room, RoomEvents } from './room.js';
export type { HistoryPage, HistoryParams, RoomHistory } from './room-history.js';
export type { RoomMetricsFeed, RoomMetricsListener } from './room-metrics.js';
export type { PresenceAction, PresenceEvent, PresenceListener, RoomPresence } from './room-presence.js';
