import type { PermissionLayer } from './admin-explain.js';
import type { ErrorCode } from './errors.js';
import type { PresenceMember, RoomMessage } from './frames.js';

// Wire shapes of the inspector API (`/v1/admin/...`, docs/inspector.md), shared by the gateway and
// the console.

/** What happened to a message, a connection or a room: the inspector's trace vocabulary. */
export const TRACE_EVENT_TYPES = [
  'message.received',
  'message.stored',
  'message.published',
  'message.consumed',
  'message.delivered',
  'message.acked',
  'connection.open',
  'connection.close',
  'connection.resume',
  'room.join',
  'room.leave',
  'presence.enter',
  'presence.update',
  'presence.leave',
  'auth.failed',
  'permission.denied',
  'webhook.attempt',
  'auth.signup',
  'auth.signin',
  'auth.signin.failed',
  'auth.refresh.reused',
  'auth.signout',
  'auth.revoked',
  'auth.mfa.failed',
  'auth.email.sent',
  'webhook.dead_letter',
  'webhook.redeliver',
  'job.sweep',
  'job.trim',
  /** A fault injected on the local stack (`detail`: the `FaultRecord`); `gateway` is `orchestrator`. */
  'fault.injected',
  /** Its end (healed by timer or operator, or failed). */
  'fault.healed',
] as const;

export type TraceEventType = (typeof TRACE_EVENT_TYPES)[number];

/** One trace event (`GET /v1/admin/traces`, `GET /v1/admin/traces/stream`). */
export interface TraceEvent {
  /** Unique event id. */
  id: string;
  /** ms since the epoch, the emitting gateway's clock. */
  ts: number;
  /** nodeId of the gateway that emitted it (for `message.consumed`: the consumer). */
  gateway: string;
  type: TraceEventType;
  appId?: string;
  room?: string;
  messageId?: string;
  seq?: number;
  clientId?: string;
  connectionId?: string;
  detail?: Record<string, unknown>;
}

/** One connection (`GET /v1/admin/connections`); counters as of its gateway's last snapshot. */
export interface AdminConnection {
  appId: string;
  clientId: string;
  connectionId: string;
  /** nodeId of the gateway holding the connection. */
  gateway: string;
  rooms: string[];
  /** ms since the epoch. */
  connectedAt: number;
  messagesIn: number;
  messagesOut: number;
  bytesIn: number;
  bytesOut: number;
  /** How it authenticated and its permission layers, outermost first (for the permission explainer). */
  auth?: AdminConnectionAuth;
  /** The client's address as the gateway saw it (the proxy's `X-Forwarded-For` when trusted). */
  address?: string;
  /** Set while fault injection's `client.slow` holds it: the bytes per second it reads. */
  slowReadBytesPerSec?: number;
}

/** A subscription's state on the connection's gateway (`unknown`: that gateway did not answer, see `framesError`). */
export type AdminSubscriptionState = 'none' | 'pending' | 'on' | 'unknown';

/** One room a connection joined (`GET /v1/admin/connections/:id`). */
export interface AdminConnectionRoom {
  room: string;
  messages: AdminSubscriptionState;
  presence: AdminSubscriptionState;
  /** The room's last message seq (history). */
  lastSeq: number;
  /** This connection's presence in the room, if it entered. */
  member: PresenceMember | null;
}

/** One frame a connection sent (`in`) or was sent (`out`); `preview` is redacted and truncated. */
export interface AdminFrame {
  dir: 'in' | 'out';
  /** Position among the frames recorded this way since the watch began, from 1. */
  n: number;
  /** The frame's `type` (`publish`, `message`, `ack`...), `invalid` when it does not parse. */
  type: string;
  /** Characters of the whole frame. */
  size: number;
  /** ms since the epoch. */
  at: number;
  preview: string;
  truncated: boolean;
}

/** Frames recorded while someone watches the connection (by its own gateway, asked by the one answering). */
export interface AdminConnectionFrames {
  node: string;
  /** When this watch started recording (ms since the epoch); nothing before it is kept. */
  since: number;
  /** Frames kept per direction at most (the oldest are dropped). */
  capacity: number;
  in: AdminFrame[];
  out: AdminFrame[];
}

/**
 * Why a connection's gateway could not report its frames and subscription states: `timeout` (it did
 * not answer in time: gone, or cut off from the broker), `broker_unavailable` (the gateway answering
 * cannot reach the broker), `not_found` (the connection closed since the snapshot listed it),
 * `rate_limited` (too many questions to other gateways pending on the gateway answering).
 */
export interface AdminFramesError {
  code: ErrorCode;
  message: string;
}

/**
 * `GET /v1/admin/connections/:id`, from any gateway: the one answering asks the connection's own
 * gateway for its frames and subscription states. When that fails, `frames` is null, the states are
 * `unknown` and `framesError` says why (it is null otherwise).
 */
export interface AdminConnectionDetail {
  connection: AdminConnection;
  rooms: AdminConnectionRoom[];
  frames: AdminConnectionFrames | null;
  framesError: AdminFramesError | null;
}

export interface AdminConnectionAuth {
  keyId: string;
  via: 'token' | 'apiKey';
  layers: PermissionLayer[];
  expiresAt?: number;
}

/** One room (`GET /v1/admin/rooms`), cluster-wide. */
export interface AdminRoom {
  appId: string;
  room: string;
  subscribers: number;
  presenceMembers: number;
  messageRate: number;
  lastSeq: number;
}

/** `GET /v1/admin/rooms/:room`. */
export interface AdminRoomDetail extends AdminRoom {
  presence: PresenceMember[];
  recent: RoomMessage[];
}

/** One live gateway in `GET /v1/admin/overview`. */
export interface AdminNode {
  nodeId: string;
  connections: number;
  rooms: number;
  startedAt: number;
  lastSeen: number;
}

export interface AdminOverview {
  nodes: AdminNode[];
  tracing: boolean;
  apps: Array<{ appId: string }>;
}

/** `POST /v1/admin/publish`: publish as any client, through the normal publish path. */
export interface AdminPublishRequest {
  appId: string;
  room: string;
  event: string;
  data: unknown;
  clientId: string;
}

export interface AdminPublishResult {
  id: string;
  seq: number;
  timestamp: number;
}

/** Body of `POST /v1/admin/connections/:connectionId/disconnect` (optional, as are its fields). */
export interface AdminDisconnectRequest {
  /** Default true: close with 4004 (the SDK reconnects); false: 4104 (it does not). */
  reconnect?: boolean;
  /** Close reason, at most 123 bytes (default "disconnected by an operator"). */
  reason?: string;
}

/** 202 answer of a disconnect: carried out here (`local`) or sent to `gateway` through the broker. */
export interface AdminDisconnectResult {
  connectionId: string;
  gateway: string;
  local: boolean;
  /** Whether this gateway found and closed it (false when forwarded). */
  closed: boolean;
}

/**
 * 202 answer of `POST` / `DELETE /v1/admin/connections/:id/slow` (fault injection's `client.slow`):
 * carried out here (`local`) or sent to `gateway` through the broker.
 */
export interface AdminSlowResult {
  connectionId: string;
  gateway: string;
  local: boolean;
  /** Whether this gateway found the connection and changed its read rate (false when forwarded). */
  applied: boolean;
}

/** Answer of `DELETE /v1/admin/rooms/:room/history?appId=`: how many messages were removed. */
export interface AdminClearHistoryResult {
  appId: string;
  room: string;
  removed: number;
}
