import type { PresenceMember, RoomMessage } from '@relaybox/protocol';

// Shapes of the inspector API (`/v1/admin/...`), as fixed in the ADMIN_API contract.

export interface NodeInfo {
  nodeId: string;
  connections: number;
  rooms: number;
  startedAt: number;
  lastSeen: number;
}

export interface Overview {
  nodes: NodeInfo[];
  tracing: boolean;
  apps: Array<{ appId: string }>;
}

export interface ConnectionInfo {
  appId: string;
  clientId: string;
  connectionId: string;
  gateway: string;
  rooms: string[];
  connectedAt: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
}

export interface RoomInfo {
  appId: string;
  room: string;
  subscribers: number;
  presenceMembers: number;
  messageRate: number;
  lastSeq: number;
}

export interface RoomDetail extends RoomInfo {
  presence: PresenceMember[];
  recent: RoomMessage[];
}

export type TraceType =
  | 'message.received'
  | 'message.stored'
  | 'message.published'
  | 'message.consumed'
  | 'message.delivered'
  | 'message.acked'
  | 'connection.open'
  | 'connection.close'
  | 'connection.resume'
  | 'room.join'
  | 'room.leave'
  | 'presence.enter'
  | 'presence.update'
  | 'presence.leave'
  | 'auth.failed'
  | 'webhook.attempt';

export interface TraceEvent {
  id: string;
  ts: number;
  gateway: string;
  type: TraceType | string;
  appId?: string;
  room?: string;
  messageId?: string;
  seq?: number;
  clientId?: string;
  connectionId?: string;
  detail?: Record<string, unknown>;
}

export interface PublishRequest {
  appId: string;
  room: string;
  event: string;
  data: unknown;
  clientId: string;
}

export interface PublishResult {
  id: string;
  seq: number;
  timestamp: number;
}
