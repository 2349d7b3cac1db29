/**
 * Redis keys of sessions and gateway liveness. Each kind has its own namespace (`{session}:c:`,
 * `{session}:g:`, `{session}:alive:`) so no connection id a client presents can name another kind of
 * key. Every key carries the hash tag `{session}`: a claim moves a session between two gateways'
 * sets and checks the previous gateway's liveness in one atomic script, so all of them share one
 * Redis Cluster slot (sessions are per connection, not per room; their load is one small hash per
 * connection and O(1) calls). The scripts receive every key in KEYS, never build one.
 */

/**
 * Hash of one session: `a` appId, `c` clientId, `g` gatewayId, `h` sha256 of the secret (hex), `t`
 * createdAt, `s` state ('a' attached, 'd' detached), and `r:<room>` → '1' subscribed / '0' joined.
 * No expiry while attached; PX = the resume window once detached.
 */
export function sessionKey(prefix: string, connectionId: string): string {
  return `${prefix}{session}:c:${connectionId}`;
}

/** Set of the connection ids attached to a gateway. */
export function sessionGatewayKey(prefix: string, gatewayId: string): string {
  return `${prefix}{session}:g:${gatewayId}`;
}

/** String with PX = the heartbeat ttl: present while the gateway is alive. */
export function gatewayAliveKey(prefix: string, gatewayId: string): string {
  return `${prefix}{session}:alive:${gatewayId}`;
}

/** Set of the gateways that beat or own sessions and were not swept yet. */
export function gatewaysKey(prefix: string): string {
  return `${prefix}{session}:gateways`;
}
