import { ErrorCode, RelayBoxError } from './errors.js';
import {
  type ClientFrame,
  type HistoryQueryParams,
  type PublishFrame,
  type ServerFrame,
  TRACEPARENT_MAX_LENGTH,
} from './frames.js';
import { DEFAULT_LIMITS, roomNameProblem } from './limits.js';

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
    case 'unsubscribe':
      return { type: frame.type, ref, room: requireRoom(frame, bounds, ref) };
    case 'subscribe':
      return parseSubscribe(frame, bounds, ref);
    case 'presence':
      return parsePresence(frame, bounds, ref);
    case 'presence.get':
    case 'presence.subscribe':
    case 'presence.unsubscribe':
    case 'metrics.subscribe':
    case 'metrics.unsubscribe':
      return { type: frame.type, ref, room: requireRoom(frame, bounds, ref) };
    case 'history':
      return {
        type: 'history',
        ref,
        room: requireRoom(frame, bounds, ref),
        query: parseHistoryQuery(frame.query, ref),
      };
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
  if (frame.traceparent !== undefined) {
    out.traceparent = requireString(frame, 'traceparent', TRACEPARENT_MAX_LENGTH, ref);
  }
  return out;
}

function parsePresence(frame: Record<string, unknown>, bounds: FrameBounds, ref: number): ClientFrame {
  const room = requireRoom(frame, bounds, ref);
  const action = frame.action;
  if (action !== 'enter' && action !== 'update' && action !== 'leave') {
    throw new FrameError(ErrorCode.InvalidFrame, '"action" must be "enter", "update" or "leave"', ref);
  }
  return 'data' in frame
    ? { type: 'presence', ref, room, action, data: frame.data }
    : { type: 'presence', ref, room, action };
}

function parseSubscribe(frame: Record<string, unknown>, bounds: FrameBounds, ref: number): ClientFrame {
  const room = requireRoom(frame, bounds, ref);
  if (frame.fromSeq === undefined) return { type: 'subscribe', ref, room };
  if (!isSeq(frame.fromSeq))
    throw new FrameError(ErrorCode.InvalidFrame, '"fromSeq" must be an integer >= 1', ref);
  return { type: 'subscribe', ref, room, fromSeq: frame.fromSeq };
}

const isSeq = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 1;
const isTime = (v: unknown): v is number => Number.isSafeInteger(v) && (v as number) >= 0;

/**
 * Validates a history query's shape (types and obvious ranges). Limits beyond the shape (max page
 * size, cursor validity) are the history store's to enforce, with the same error codes.
 */
export function parseHistoryQuery(raw: unknown, ref?: number): HistoryQueryParams {
  if (raw === undefined) return {};
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new FrameError(ErrorCode.InvalidFrame, '"query" must be an object', ref);
  }
  const q = raw as Record<string, unknown>;
  const out: HistoryQueryParams = {};
  const bad = (field: string, what: string) =>
    new FrameError(ErrorCode.InvalidFrame, `"query.${field}" must be ${what}`, ref);
  if (q.direction !== undefined) {
    if (q.direction !== 'forwards' && q.direction !== 'backwards')
      throw bad('direction', '"forwards" or "backwards"');
    out.direction = q.direction;
  }
  if (q.limit !== undefined) {
    if (!Number.isSafeInteger(q.limit) || (q.limit as number) < 1 || (q.limit as number) > 1000) {
      throw bad('limit', 'an integer from 1 to 1000');
    }
    out.limit = q.limit as number;
  }
  for (const field of ['fromSeq', 'toSeq'] as const) {
    if (q[field] === undefined) continue;
    if (!isSeq(q[field])) throw bad(field, 'an integer >= 1');
    out[field] = q[field];
  }
  for (const field of ['start', 'end'] as const) {
    if (q[field] === undefined) continue;
    if (!isTime(q[field])) throw bad(field, 'a time in ms since the epoch');
    out[field] = q[field];
  }
  if (q.event !== undefined) {
    if (typeof q.event !== 'string' || q.event.length === 0 || q.event.length > 100)
      throw bad('event', 'a string of 1-100 characters');
    out.event = q.event;
  }
  if (q.cursor !== undefined) {
    if (typeof q.cursor !== 'string' || q.cursor.length === 0 || q.cursor.length > 4096)
      throw bad('cursor', 'a cursor string');
    out.cursor = q.cursor;
  }
  return out;
}

const SERVER_FRAME_TYPES = new Set([
  'connected',
  'message',
  'ack',
  'error',
  'heartbeat',
  'discontinuity',
  'presence',
  'metrics',
]);

/**
 * Parses a server frame in the SDK. Unknown types (newer servers) and room frames without the
 * fields the SDK routes on give null.
 */
export function parseServerFrame(text: string): ServerFrame | null {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const frame = raw as Record<string, unknown>;
  if (!SERVER_FRAME_TYPES.has(frame.type as string)) return null;
  if (frame.type === 'discontinuity') {
    return typeof frame.room === 'string' && isSeq(frame.fromSeq) && isSeq(frame.oldestSeq)
      ? (raw as ServerFrame)
      : null;
  }
  if (frame.type === 'metrics') {
    return typeof frame.room === 'string' && typeof frame.metrics === 'object' && frame.metrics !== null
      ? (raw as ServerFrame)
      : null;
  }
  if (frame.type === 'presence') {
    const action = frame.action === 'enter' || frame.action === 'update' || frame.action === 'leave';
    const member = typeof frame.member === 'object' && frame.member !== null;
    return typeof frame.room === 'string' && action && member ? (raw as ServerFrame) : null;
  }
  return raw as ServerFrame;
}
