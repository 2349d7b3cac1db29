import type {
  AdminClearHistoryResult,
  AdminConnection,
  AdminDisconnectRequest,
  AdminDisconnectResult,
  AdminNode,
  AdminOverview,
  AdminPublishRequest,
  AdminPublishResult,
  AdminRoom,
  AdminRoomDetail,
  TraceEventType,
} from '@relaybox/protocol';

// Shapes of the inspector API (`/v1/admin/...`): the wire types of @relaybox/protocol under the
// console's names.

export type { TraceEvent } from '@relaybox/protocol';
export type NodeInfo = AdminNode;
export type Overview = AdminOverview;
export type ConnectionInfo = AdminConnection;
export type RoomInfo = AdminRoom;
export type RoomDetail = AdminRoomDetail;
export type TraceType = TraceEventType;
export type PublishRequest = AdminPublishRequest;
export type PublishResult = AdminPublishResult;
export type DisconnectRequest = AdminDisconnectRequest;
export type DisconnectResult = AdminDisconnectResult;
export type ClearHistoryResult = AdminClearHistoryResult;
