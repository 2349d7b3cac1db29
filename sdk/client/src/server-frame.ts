import {
  type DiscontinuityFrame,
  type MessageFrame,
  type PresenceEventFrame,
  parseServerFrame,
  type ServerFrame,
} from '@relaybox/protocol';

/** Every server frame the client acts on. */
export type InboundFrame = ServerFrame | PresenceEventFrame;

/** The frames that concern one room (routed by their `room`). */
export type RoomFrame = MessageFrame | DiscontinuityFrame | PresenceEventFrame;

/**
 * Parses a server frame; unknown types and malformed text give null (newer servers stay compatible).
 * `parseServerFrame` of @relaybox/protocol does not (yet) return `discontinuity` and `presence`
 * frames, so those two are recognised (and checked) here; once it does, this is a pass-through.
 */
export function readServerFrame(text: string): InboundFrame | null {
  const known = parseServerFrame(text);
  if (known) return known;
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof raw !== 'object' || raw === null) return null;
  const frame = raw as Record<string, unknown>;
  if (typeof frame.room !== 'string') return null;
  if (frame.type === 'discontinuity') {
    return isSeq(frame.fromSeq) && isSeq(frame.oldestSeq) ? (raw as InboundFrame) : null;
  }
  if (frame.type === 'presence') {
    const validAction = frame.action === 'enter' || frame.action === 'update' || frame.action === 'leave';
    return validAction && typeof frame.member === 'object' && frame.member !== null
      ? (raw as InboundFrame)
      : null;
  }
  return null;
}

const isSeq = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 1;
