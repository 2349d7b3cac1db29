export {
  ErrorCode,
  type PublishAck,
  RelayBoxError,
  type RoomMessage,
} from '@relaybox/protocol';
export type { Connection, ConnectionEvents, ConnectionState, StateChange } from './connection.js';
export { RelayBox } from './relay-box.js';
export type {
  FetchLike,
  RelayBoxOptions,
  TokenResult,
  WebSocketConstructor,
} from './relay-box-options.js';
export type { MessageListener, PublishOptions, Room, RoomEvents } from './room.js';
