/** Default bounds of DESIGN.md §7. Every one is configurable on the gateway and reported to clients. */
export const DEFAULT_LIMITS = {
  /** Largest accepted frame (client → server), in bytes. */
  maxFrameBytes: 64 * 1024,
  /** Rooms one connection may have joined at once. */
  maxRoomsPerConnection: 100,
  /** Serialized size of one member's presence data. */
  maxPresenceDataBytes: 2048,
  maxRoomNameLength: 200,
  maxEventNameLength: 100,
  maxIdempotencyKeyLength: 200,
  maxClientIdLength: 200,
  /** Publish token bucket per connection: sustained rate and burst. */
  publishRatePerSecond: 50,
  publishBurst: 100,
  /** New connections per remote IP: sustained rate and burst. */
  connectionRatePerSecond: 20,
  connectionBurst: 100,
  maxConnectionsPerApp: 50_000,
  /** A client whose unsent bytes pass this bound is disconnected (slow consumer). */
  maxBufferedBytes: 1024 * 1024,
  /** Frames that failed validation in a row before the connection is closed for policy. */
  maxConsecutiveBadFrames: 20,
} as const;

export type Limits = { -readonly [K in keyof typeof DEFAULT_LIMITS]: number };

const ROOM_SEGMENT = /^[A-Za-z0-9_.@~=+-]+$/;

/**
 * Room names: one or more `:`-separated segments of `A-Z a-z 0-9 _ . @ ~ = + -`.
 * `*` and `>` are reserved for permission patterns.
 */
export function roomNameProblem(
  room: unknown,
  maxLength: number = DEFAULT_LIMITS.maxRoomNameLength,
): string | null {
  if (typeof room !== 'string' || room.length === 0) return 'room must be a non-empty string';
  if (room.length > maxLength) return `room name longer than ${maxLength} characters`;
  for (const segment of room.split(':')) {
    if (!ROOM_SEGMENT.test(segment)) {
      return `room "${room}" may only contain ":"-separated segments of letters, digits and _ . @ ~ = + -`;
    }
  }
  return null;
}
