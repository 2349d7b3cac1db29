/**
 * WebSocket close codes. The SDK decides from the range alone:
 * 4000-4099 the client reconnects (with backoff), 4100-4199 it does not (auth, policy).
 * Standard codes (1000-1015) other than 1000 are treated as reconnectable network failures.
 */
export const CloseCode = {
  Normal: 1000,
  /** A frame larger than twice `maxFrameBytes` (standard "message too big"); reason says the bound. */
  FrameTooLarge: 1009,
  // Reconnect.
  ServerShutdown: 4000,
  SlowConsumer: 4001,
  HeartbeatTimeout: 4002,
  InternalError: 4003,
  /** Disconnected from the inspector API (`/v1/admin/connections/:id/disconnect`); it may come back. */
  AdminDisconnect: 4004,
  /**
   * The session was resumed on a newer connection (here or on another gateway: the newest wins), so
   * this socket is stale. The client that resumed already uses the newer one; any other reconnects
   * and, its resume secret being spent, gets a new session.
   */
  SessionMoved: 4005,
  // Do not reconnect.
  Unauthorized: 4100,
  TokenExpired: 4101,
  PolicyViolation: 4102,
  ConnectionLimit: 4103,
  /** Disconnected from the inspector API with `reconnect: false`. */
  AdminKick: 4104,
} as const;

export type CloseCode = (typeof CloseCode)[keyof typeof CloseCode];

export function isReconnectCloseCode(code: number): boolean {
  if (code >= 4000 && code <= 4099) return true;
  if (code >= 4100 && code <= 4199) return false;
  return code !== CloseCode.Normal;
}
