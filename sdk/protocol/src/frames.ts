import { ErrorCode, RelayBoxError } from './errors.js';
import { DEFAULT_LIMITS, roomNameProblem } from './limits.js';

/** Wire protocol version, offered as the `relaybox.v1` WebSocket subprotocol. */
export const PROTOCOL = 'relaybox.v1';
/** Subprotocol prefixes that carry credentials instead of the query string. */
export const TOKEN_PROTOCOL_PREFIX = 'relaybox.token.';
export const API_KEY_PROTOCOL_PREFIX = 'relaybox.apikey.';

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
/** Start (or stop) receiving the room's messages. Event filtering happens in the SDK. */
export interface SubscribeFrame {
  type: 'subscribe';
  ref: number;
  room: string;
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
}
export interface RefreshFrame {
  type: 'refresh';
  ref: number;
  token: string;
}
export interface PingFrame {
  type: 'ping';
  ref: number;
}

export type ClientFrame =
  | JoinFrame
  | LeaveFrame
  | SubscribeFrame
  | UnsubscribeFrame
  | PublishFrame
  | RefreshFrame
  | PingFrame;
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
  limits: { maxFrameBytes: number; maxRoomsPerConnection: number };
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

export type ServerFrame = ConnectedFrame | MessageFrame | AckFrame | ErrorFrame | HeartbeatFrame;

// ─── validation ─────────────────────────────────────────────────────────────────────────────────

export interface FrameBounds {
  maxFrameBytes: number;
  maxRoomNameLength: number;
  maxEventNameLength: number;
  maxIdempotencyKeyLength: number;
}

const DEFAULT_BOUNDS: FrameBounds = DEFAULT_LIMITS;

/** Thrown for an invalid frame; `ref` is set when the frame had a usable one, so the reply can name it. */
export class FrameError extends RelayBoxError {
  readonly ref: number | undefined;
  constructor(code: ErrorCode, message: string, ref?: number) {
    super(code, message);
    this.ref = ref;
  }
}

const isRef = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

function requireString(frame: Record<string, unknown>, field: string, max: number, ref: number): string {
  const value = frame[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new FrameError(ErrorCode.InvalidFrame, `"${field}" must be a non-empty string`, ref);
  }
  if (value.length > max)
    throw new FrameError(ErrorCode.InvalidFrame, `"${field}" is longer than ${max}`, ref);
  return value;
}

function requireRoom(frame: Record<string, unknown>, bounds: FrameBounds, ref: number): string {
  const problem = roomNameProblem(frame.room, bounds.maxRoomNameLength);
  if (problem) throw new FrameError(ErrorCode.InvalidRoomName, problem, ref);
  return frame.room as string;
}

/**
 * Parses and validates one client frame. `byteLength` is the size on the wire (the caller knows
 * it without re-encoding). Throws `FrameError` with a precise message for anything malformed.
 */
export function parseClientFrame(
  text: string,
  byteLength: number,
  bounds: FrameBounds = DEFAULT_BOUNDS,
): ClientFrame {
  if (byteLength > bounds.maxFrameBytes) {
    throw new FrameError(
      ErrorCode.FrameTooLarge,
      `frame of ${byteLength} bytes exceeds ${bounds.maxFrameBytes}`,
    );
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw new FrameError(ErrorCode.InvalidFrame, 'frame is not valid JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FrameError(ErrorCode.InvalidFrame, 'frame must be a JSON object');
  }
  const frame = raw as Record<string, unknown>;
  const ref = frame.ref;
  if (!isRef(ref)) throw new FrameError(ErrorCode.InvalidFrame, '"ref" must be a non-negative integer');
  switch (frame.type) {
    case 'join':
    case 'leave':
    case 'subscribe':
    case 'unsubscribe':
      return { type: frame.type, ref, room: requireRoom(frame, bounds, ref) };
    case 'publish':
      return parsePublish(frame, bounds, ref);
    case 'refresh':
      return { type: 'refresh', ref, token: requireString(frame, 'token', 8192, ref) };
    case 'ping':
      return { type: 'ping', ref };
    default:
      throw new FrameError(
        ErrorCode.UnknownFrameType,
        `unknown frame type ${JSON.stringify(frame.type) ?? 'undefined'}`,
        ref,
      );
  }
}

function parsePublish(frame: Record<string, unknown>, bounds: FrameBounds, ref: number): PublishFrame {
  const room = requireRoom(frame, bounds, ref);
  const event = requireString(frame, 'event', bounds.maxEventNameLength, ref);
  if (!('data' in frame))
    throw new FrameError(ErrorCode.InvalidFrame, '"data" is required (null is allowed)', ref);
  const out: PublishFrame = { type: 'publish', ref, room, event, data: frame.data };
  if (frame.idempotencyKey !== undefined) {
    out.idempotencyKey = requireString(frame, 'idempotencyKey', bounds.maxIdempotencyKeyLength, ref);
  }
  return out;
}

/** Parses a server frame in the SDK. Unknown types are returned as null so newer servers stay compatible. */
export function parseServerFrame(text: string): ServerFrame | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const type = (raw as { type?: unknown }).type;
  return type === 'connected' ||
    type === 'message' ||
    type === 'ack' ||
    type === 'error' ||
    type === 'heartbeat'
    ? (raw as ServerFrame)
    : null;
}
