/** Default bounds of DESIGN.md §7. Every one is configurable on the gateway and reported to clients. */
export const DEFAULT_LIMITS = {
  /** Largest accepted frame (client → server), in bytes. Up to twice this: an error frame; more: close 1009. */
  maxFrameBytes: 64 * 1024,
  /** Largest frame the gateway reads at all (to answer it with a 1009 close); past it the socket is dropped. */
  maxFrameReadBytes: 4 * 1024 * 1024,
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
  /**
   * Every frame of a connection but `publish` (which has its own bucket above) draws its cost from
   * this token bucket (cost units per second and burst): 1 for most frames, more for reads sized by
   * what they read (gateway `requestCost`). Past it: `rate_limited`.
   */
  requestCostPerSecond: 100,
  /** Room for a reconnect's re-join and re-subscribe of `maxRoomsPerConnection` rooms (3 each). */
  requestCostBurst: 400,
  /** REST calls per authenticated identity (API key, or a token's app and clientId): rate and burst. */
  restRatePerSecond: 500,
  restBurst: 1000,
  /** REST calls per remote address, checked before authentication: rate and burst. */
  restAddressRatePerSecond: 1000,
  restAddressBurst: 2000,
  /**
   * Failed authentications per remote address (REST and upgrades): rate and burst. Past it the
   * address is refused with `auth_rate_limited` before any key lookup.
   */
  authFailureRatePerSecond: 1,
  authFailureBurst: 20,
  /** Longest accepted token lifetime (`exp` - now), in seconds: `token_lifetime_too_long` past it. */
  maxTokenLifetimeSec: 24 * 60 * 60,
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
