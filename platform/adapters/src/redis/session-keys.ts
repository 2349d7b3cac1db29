/**
 * Redis keys of sessions and gateway liveness, in two kinds of slots (Redis Cluster):
 * - each session hash has a hash tag of its own, `{session:c:<connectionId>}`, so sessions spread
 *   over the primaries (a session belongs to a connection, not to a room: it lists its rooms as
 *   fields, and no session key is per room);
 * - the per-gateway indexes and liveness keys share `{session-index}`.
 * No script touches both: a claim checks and attaches the session in the session's slot, with the
 * previous gateway's liveness read just before, and indexes it under the claimer first (a reference
 * to a session not attached there is skipped by every reader). Each kind has its own namespace
 * (`{session:c:`, `{session-index}:g:`, `{session-index}:alive:`) so no connection id a client
 * presents can name another kind of key. The scripts receive every key in KEYS, never build one.
 * Versions up to 0.1.0 used `{session}:` for all of these: the new names share no key with them, so
 * old and new gateways running side by side during an upgrade never sweep each other's sessions.
 */

/**
 * Hash of one session: `a` appId, `c` clientId, `g` gatewayId, `h` sha256 of the secret (hex), `t`
 * createdAt, `s` state ('a' attached, 'd' detached), and `r:<room>` → '1' subscribed / '0' joined.
 * No expiry while attached; PX = the resume window once detached.
 */
export function sessionKey(prefix: string, connectionId: string): string {
  return `${prefix}{session:c:${connectionId}}`;
}

/** Set of the connection ids attached to a gateway. */
export function sessionGatewayKey(prefix: string, gatewayId: string): string {
  return `${prefix}{session-index}:g:${gatewayId}`;
}

/** String with PX = the heartbeat ttl: present while the gateway is alive. */
export function gatewayAliveKey(prefix: string, gatewayId: string): string {
  return `${prefix}{session-index}:alive:${gatewayId}`;
}

/** Set of the gateways that beat or own sessions and were not swept yet. */
export function gatewaysKey(prefix: string): string {
  return `${prefix}{session-index}:gateways`;
}
