import type { ErrorCode } from './errors.js';
import { matchesPattern, OPERATIONS, type Operation, type PermissionMap } from './permissions.js';

// The permission explainer (`POST /v1/admin/explain`, docs/inspector.md#permission-explainer):
// wire types, the per-room decision, and the ordered checks of an upgrade.

/** One layer of a connection's permissions; an operation is allowed only when every layer allows it. */
export interface PermissionLayer {
  /** `key`: the API key's map; `policy`: the app's identity-provider policy; `token`: the token's claim. */
  name: 'key' | 'policy' | 'token';
  permissions: PermissionMap;
}

/** How one layer answers one (room, operation). */
export interface LayerDecision {
  layer: PermissionLayer['name'];
  allowed: boolean;
  /** The first pattern of the layer that grants the operation on the room. */
  grantedBy?: string;
  /** Patterns of the layer that match the room (granting the operation or not). */
  matching: string[];
}

/** Whether one operation on one room is allowed, and which layer and pattern decided it. */
export interface PermissionDecision {
  room: string;
  operation: Operation;
  allowed: boolean;
  /**
   * Allowed: the innermost layer (the token when there is one) and its granting pattern. Denied: the
   * first layer, outermost first, that denies; `pattern` is a matching pattern of that layer that
   * lacks the operation, or absent when no pattern of the layer matches the room.
   */
  decidedBy: { layer: PermissionLayer['name']; pattern?: string };
  layers: LayerDecision[];
}

/** Decides `operation` on `room` through the layers (outermost first) and says why. */
export function explainPermission(
  layers: readonly PermissionLayer[],
  room: string,
  operation: Operation,
): PermissionDecision {
  const decisions = layers.map((layer): LayerDecision => {
    const matching = Object.keys(layer.permissions).filter((pattern) => matchesPattern(pattern, room));
    const grantedBy = matching.find((pattern) => layer.permissions[pattern]?.includes(operation));
    return {
      layer: layer.name,
      allowed: grantedBy !== undefined,
      matching,
      ...(grantedBy ? { grantedBy } : {}),
    };
  });
  const denying = decisions.find((d) => !d.allowed);
  if (denying) {
    const pattern = denying.matching[0];
    return {
      room,
      operation,
      allowed: false,
      decidedBy: { layer: denying.layer, ...(pattern ? { pattern } : {}) },
      layers: decisions,
    };
  }
  const inner = decisions[decisions.length - 1];
  return {
    room,
    operation,
    allowed: inner !== undefined,
    decidedBy: inner
      ? { layer: inner.layer, ...(inner.grantedBy ? { pattern: inner.grantedBy } : {}) }
      : { layer: 'key' },
    layers: decisions,
  };
}

/** Every operation on the room: the connection's effective permissions there. */
export function explainRoom(layers: readonly PermissionLayer[], room: string): PermissionDecision[] {
  return OPERATIONS.map((operation) => explainPermission(layers, room, operation));
}

/** The checks an upgrade passes, in order (gateway `admit` and `Authenticator`). */
export const UPGRADE_CHECKS = [
  'gateway accepting',
  'address rate',
  'credentials present',
  'token format',
  'key',
  'signature',
  'expiry',
  'claims',
  'origin',
  'connection quota',
  'session',
] as const;

export type UpgradeCheck = (typeof UPGRADE_CHECKS)[number];

const CHECK_OF_CODE: Partial<Record<ErrorCode, UpgradeCheck>> = {
  server_shutting_down: 'gateway accepting',
  connection_rate_limited: 'address rate',
  auth_rate_limited: 'address rate',
  token_missing: 'credentials present',
  token_malformed: 'token format',
  token_algorithm_unsupported: 'token format',
  key_unknown: 'key',
  api_key_invalid: 'key',
  token_signature_invalid: 'signature',
  token_expired: 'expiry',
  token_not_yet_valid: 'expiry',
  token_lifetime_too_long: 'expiry',
  token_claims_invalid: 'claims',
  token_client_mismatch: 'claims',
  invalid_request: 'claims',
  origin_not_allowed: 'origin',
  app_connection_limit: 'connection quota',
};

/** The upgrade check that refuses with `code` (`session` for any other refusal). */
export function upgradeCheckOf(code: string): UpgradeCheck {
  return CHECK_OF_CODE[code as ErrorCode] ?? 'session';
}

/** One step of an explained upgrade: passed, failed (with the refusal), or not reached. */
export interface CheckResult {
  check: UpgradeCheck;
  outcome: 'passed' | 'failed' | 'not_reached' | 'not_checked';
  code?: string;
  message?: string;
}

/** Body of `POST /v1/admin/explain`: exactly one of `token`, `connectionId`, `traceId`. */
export interface AdminExplainRequest {
  /** A pasted token: its signature is verified; the answer never echoes it. */
  token?: string;
  /** A connection of any gateway (its permission layers come from its gateway's snapshot). */
  connectionId?: string;
  /** An `auth.failed` or `permission.denied` trace event. */
  traceId?: string;
  /** Room (and operation) to decide; a `permission.denied` event brings its own. */
  room?: string;
  operation?: Operation;
  /** A browser origin to check against the app's allowed origins (token only). */
  origin?: string;
}

export interface AdminExplanation {
  source: 'token' | 'connection' | 'refusal' | 'denial';
  appId?: string;
  keyId?: string;
  clientId?: string;
  via?: 'token' | 'apiKey';
  /** A verified token's claims (`verified: false`: the signature or a check failed; shown for diagnosis). */
  claims?: { verified: boolean; values: Record<string, unknown> };
  /** The upgrade path, step by step (tokens and refused upgrades). */
  checks?: CheckResult[];
  /** The check that refused, when one did. */
  failed?: CheckResult;
  /** Outermost first. */
  layers?: PermissionLayer[];
  /** The app's policy (cloud mode): allowed origins and connection limit. */
  policy?: { allowedOrigins?: readonly string[]; maxConnections?: number };
  /** Every operation on `room`, when one was given. */
  room?: PermissionDecision[];
  /** The asked (or denied) operation on `room`. */
  decision?: PermissionDecision;
}
