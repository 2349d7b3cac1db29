/** Wire protocol version, offered as the `relaybox.v1` WebSocket subprotocol. */
export const PROTOCOL = 'relaybox.v1';
/** Subprotocol prefixes that carry credentials instead of the query string. */
export const TOKEN_PROTOCOL_PREFIX = 'relaybox.token.';
export const API_KEY_PROTOCOL_PREFIX = 'relaybox.apikey.';
/** `relaybox.resume.<connectionId>.<resumeSecret>`: resume an earlier connection (see `ConnectedFrame`). */
export const RESUME_PROTOCOL_PREFIX = 'relaybox.resume.';

// ─── client → server ────────────────────────────────────────────────────────────────────────────
// Every request carries `ref`, a client-chosen integer echoed by the `ack` or `error` reply.

export interface JoinFrame {
  type: 'join';
  ref: number;
  room: string;
}
export interface LeaveFrame {
  type: 'leave';
  ref: number;
  room: string;
}
/**
 * Start receiving the room's messages. Event filtering happens in the SDK. With `fromSeq`, the
 * server first subscribes, then replays the room's messages from that seq (inclusive) out of
 * history; live and replayed messages may interleave and the SDK dedupes by seq. When history no
 * longer holds `fromSeq`, a `discontinuity` frame comes before the replay.
 */
export interface SubscribeFrame {
  type: 'subscribe';
  ref: number;
  room: string;
  fromSeq?: number;
}
export interface UnsubscribeFrame {
  type: 'unsubscribe';
  ref: number;
  room: string;
}
export interface PublishFrame {
  type: 'publish';
  ref: number;
  room: string;
  event: string;
  data: unknown;
  idempotencyKey?: string;
  /**
   * A W3C `traceparent`: the gateway's OpenTelemetry spans of this message continue that trace. A
   * string of up to `TRACEPARENT_MAX_LENGTH`; a malformed value is ignored (W3C: start a new trace).
   */
  traceparent?: string;
}

/** Longest `traceparent` accepted (version 00 is 55 characters; later versions may append fields). */
export const TRACEPARENT_MAX_LENGTH = 512;
export interface RefreshFrame {
  type: 'refresh';
  ref: number;
  token: string;
}
export interface PingFrame {
  type: 'ping';
  ref: number;
}

/** History query of a `history` request, `GET /v1/rooms/:room/messages` and `room.history.get`. */
export interface HistoryQueryParams {
  /** Default 'backwards' (newest first). */
  direction?: 'forwards' | 'backwards';
  /** 1..1000, default 100. */
  limit?: number;
  /** Inclusive seq bounds. */
  fromSeq?: number;
  toSeq?: number;
  /** Inclusive time bounds, ms since the epoch. */
  start?: number;
  end?: number;
  event?: string;
  /** `next` of an earlier page: opaque, bound to its app and room. */
  cursor?: string;
}

/** Needs joined + `presence`. `data` is any JSON up to `maxPresenceDataBytes` once serialized. */
export interface PresenceFrame {
  type: 'presence';
  ref: number;
  room: string;
  action: 'enter' | 'update' | 'leave';
  data?: unknown;
}

/** `presence.get` (ack result `{ members: PresenceMember[] }`, every member) needs `presence`; the
 * subscribe pair also needs to have joined. Events then arrive as `presence` server frames. */
export interface PresenceRoomFrame {
  type: 'presence.get' | 'presence.subscribe' | 'presence.unsubscribe';
  ref: number;
  room: string;
}

/** Room metrics pushes (`metrics` server frames, at most one per second); needs joined + `metrics`. */
export interface MetricsRoomFrame {
  type: 'metrics.subscribe' | 'metrics.unsubscribe';
  ref: number;
  room: string;
}

/** Needs the `history` permission; the ack's result is `{ items: RoomMessage[], hasNext, next?: string }`. */
export interface HistoryFrame {
  type: 'history';
  ref: number;
  room: string;
  query: HistoryQueryParams;
}

export type ClientFrame =
  | JoinFrame
  | LeaveFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | PublishFrame
  | RefreshFrame
  | PingFrame
  | HistoryFrame
  | PresenceFrame
  | PresenceRoomFrame
  | MetricsRoomFrame;
export type ClientFrameType = ClientFrame['type'];

// ─── server → client ────────────────────────────────────────────────────────────────────────────

export interface ConnectedFrame {
  type: 'connected';
  connectionId: string;
  clientId: string;
  /** The server sends `heartbeat` frames at this interval; silence for twice as long means a dead link. */
  heartbeatMs: number;
  /** Token expiry (ms since epoch); the client must `refresh` before it. Absent for API-key connections. */
  expiresAt?: number;
  limits: { maxFrameBytes: number; maxRoomsPerConnection: number; maxPresenceDataBytes?: number };
  /**
   * Present this with `connectionId` (subprotocol `relaybox.resume.<connectionId>.<resumeSecret>`)
   * when reconnecting within the resume window to keep the connection's identity and presence.
   * It changes on every (re)connection: always keep the latest.
   */
  resumeSecret: string;
  /** True when the offered resume was accepted: same connectionId, presence kept, rooms restored. */
  resumed: boolean;
  /** Why an offered resume was refused (the connection then is a fresh one). */
  resumeError?: { code: string; message: string };
}

/** A room's figures across the cluster (rates per second over the last interval). */
export interface RoomMetrics {
  room: string;
  /** Connections that joined the room. */
  connections: number;
  /** Connections subscribed to its messages. */
  subscribers: number;
  presenceMembers?: number;
  messagesInPerSecond: number;
  messagesOutPerSecond: number;
  bytesInPerSecond: number;
  bytesOutPerSecond: number;
  /** When the figures were read, ms since the epoch. */
  timestamp: number;
}

export interface MetricsFrame {
  type: 'metrics';
  room: string;
  metrics: RoomMetrics;
}

/** One member of a room's presence set, per connection. */
export interface PresenceMember {
  clientId: string;
  connectionId: string;
  data: unknown;
  enteredAt: number;
  updatedAt: number;
  /**
   * Who the member is, vouched for by the server: set from the connection's token (auth-service or
   * identity-provider user), never from what the client sends; absent for other connections.
   */
  user?: { id: string; name: string | null; avatar: string | null };
}

/** A presence change, delivered to connections that sent `presence.subscribe` for the room. */
export interface PresenceEventFrame {
  type: 'presence';
  room: string;
  action: 'enter' | 'update' | 'leave';
  member: PresenceMember;
}

/** History no longer holds the seqs a `subscribe` with `fromSeq` asked for: the app must resync. */
export interface DiscontinuityFrame {
  type: 'discontinuity';
  room: string;
  /** The seq the client asked to resume from. */
  fromSeq: number;
  /** The oldest seq history still holds; the replay starts there. */
  oldestSeq: number;
}

/** A room message as delivered to subscribers and stored in history. */
export interface RoomMessage {
  id: string;
  seq: number;
  room: string;
  event: string;
  data: unknown;
  clientId: string;
  timestamp: number;
}
export interface MessageFrame extends RoomMessage {
  type: 'message';
}
export interface PublishAck {
  id: string;
  seq: number;
  timestamp: number;
}
export interface RefreshAck {
  expiresAt: number;
}
export interface AckFrame {
  type: 'ack';
  ref: number;
  result?: PublishAck | RefreshAck | Record<string, unknown>;
}
export interface ErrorFrame {
  type: 'error';
  /** The request this answers; absent for errors about a frame that had no valid `ref`. */
  ref?: number;
  error: { code: string; message: string };
}
export interface HeartbeatFrame {
  type: 'heartbeat';
}

export type ServerFrame =
  | ConnectedFrame
  | MessageFrame
  | AckFrame
  | ErrorFrame
  | HeartbeatFrame
  | DiscontinuityFrame
  | PresenceEventFrame
  | MetricsFrame;
