import type { ConnectionSnapshot, TraceLog } from '@relaybox/core';
import { TRACE_QUERY_MAX_LIMIT } from '@relaybox/core';
import {
  type AdminExplainRequest,
  type AdminExplanation,
  type CheckResult,
  ErrorCode,
  explainPermission,
  explainRoom,
  isOperation,
  type Operation,
  type PermissionLayer,
  RelayBoxError,
  UPGRADE_CHECKS,
  type UpgradeCheck,
  upgradeCheckOf,
} from '@relaybox/protocol';
import { decodeJwt } from 'jose';
import { type AppPolicy, originAllowed } from '../app-policy.js';
import type { Authenticator } from '../auth/authenticator.js';
import type { Principal } from '../auth/principal.js';
import { toRelayBoxError } from '../uws/http.js';

/** A principal's permission maps as named layers, outermost first. */
export function permissionLayers(principal: Principal): PermissionLayer[] {
  const outer = principal.keyId.startsWith('idp.') ? 'policy' : 'key';
  return principal.grants.maps.map((permissions, i) => ({ name: i === 0 ? outer : 'token', permissions }));
}

/** The checks a pasted token goes through (the upgrade path after the address limits). */
const TOKEN_CHECKS: readonly UpgradeCheck[] = ['token format', 'key', 'signature', 'expiry', 'claims'];

export interface ExplainerDeps {
  authenticator: Authenticator;
  appPolicy?: (appId: string) => Promise<AppPolicy | undefined>;
  traces: TraceLog;
  findConnection(connectionId: string): Promise<ConnectionSnapshot>;
}

/**
 * The permission explainer (`POST /v1/admin/explain`): why a token, a connection or a refused
 * upgrade can or cannot do something. Never returns a secret: a token's claims are decoded for
 * display, its signature is verified and never echoed.
 */
export class Explainer {
  constructor(private readonly deps: ExplainerDeps) {}

  async explain(request: AdminExplainRequest): Promise<AdminExplanation> {
    if (request.token !== undefined) return this.token(request.token, request);
    if (request.connectionId !== undefined) return this.connection(request.connectionId, request);
    return this.traced(request.traceId as string, request);
  }

  private async token(token: string, request: AdminExplainRequest): Promise<AdminExplanation> {
    let principal: Principal | undefined;
    let refusal: RelayBoxError | undefined;
    try {
      principal = await this.deps.authenticator.verifyToken(token);
    } catch (error) {
      refusal = toRelayBoxError(error);
    }
    const checks = checkList(TOKEN_CHECKS, refusal);
    const values = claimsOf(token);
    const explanation: AdminExplanation = {
      source: 'token',
      checks,
      ...(values ? { claims: { verified: principal !== undefined, values } } : {}),
    };
    const failed = checks.find((c) => c.outcome === 'failed');
    if (failed) return { ...explanation, failed };
    const p = principal as Principal;
    const policy = await this.deps.appPolicy?.(p.appId);
    if (request.origin !== undefined) {
      const ok = !policy || originAllowed(request.origin, policy.allowedOrigins);
      const origin: CheckResult = ok
        ? { check: 'origin', outcome: 'passed' }
        : {
            check: 'origin',
            outcome: 'failed',
            code: ErrorCode.OriginNotAllowed,
            message: `origin ${request.origin} is not allowed for this app`,
          };
      checks.push(origin);
      if (!ok) explanation.failed = origin;
    }
    return {
      ...explanation,
      appId: p.appId,
      keyId: p.keyId,
      clientId: p.clientId,
      via: p.via,
      ...(policy ? { policy: policyOf(policy) } : {}),
      ...this.decide(permissionLayers(p), request.room, request.operation),
    };
  }

  private async connection(connectionId: string, request: AdminExplainRequest): Promise<AdminExplanation> {
    const connection = await this.deps.findConnection(connectionId);
    if (!connection.auth) {
      throw new RelayBoxError(
        ErrorCode.NotFound,
        `connection "${connectionId}" has no permissions listed yet`,
      );
    }
    const policy = await this.deps.appPolicy?.(connection.appId);
    return {
      source: 'connection',
      appId: connection.appId,
      keyId: connection.auth.keyId,
      clientId: connection.clientId,
      via: connection.auth.via,
      ...(policy ? { policy: policyOf(policy) } : {}),
      ...this.decide(connection.auth.layers, request.room, request.operation),
    };
  }

  /** An `auth.failed` (the upgrade's checks) or `permission.denied` (the decision) trace event. */
  private async traced(traceId: string, request: AdminExplainRequest): Promise<AdminExplanation> {
    const events = await this.deps.traces.query({ limit: TRACE_QUERY_MAX_LIMIT });
    const event = events.find((e) => e.id === traceId);
    if (!event)
      throw new RelayBoxError(ErrorCode.NotFound, `no trace event "${traceId}" (it may have aged out)`);
    const detail = event.detail ?? {};
    if (event.type === 'auth.failed') {
      const code = String(detail.code ?? '');
      const refusal = { code, message: String(detail.reason ?? '') };
      const checks = checkList(UPGRADE_CHECKS, refusal);
      const kid = typeof detail.kid === 'string' ? detail.kid : '';
      const dot = kid.indexOf('.');
      return {
        source: 'refusal',
        ...(dot > 0 ? { appId: kid.slice(0, dot), keyId: kid.slice(dot + 1) } : {}),
        checks,
        failed: checks.find((c) => c.outcome === 'failed') as CheckResult,
      };
    }
    if (event.type === 'permission.denied') {
      const layers = (detail.layers ?? []) as PermissionLayer[];
      const operation = String(detail.operation);
      const explanation: AdminExplanation = {
        source: 'denial',
        ...(event.appId ? { appId: event.appId } : {}),
        ...(typeof detail.keyId === 'string' ? { keyId: detail.keyId } : {}),
        ...(event.clientId ? { clientId: event.clientId } : {}),
        layers,
      };
      const room = event.room ?? '';
      // `join` is refused when no operation at all is granted: every operation's decision says why.
      return {
        ...explanation,
        ...this.decide(layers, room, isOperation(operation) ? operation : request.operation),
      };
    }
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `trace event "${traceId}" is a ${event.type}: only auth.failed and permission.denied are explained`,
    );
  }

  private decide(
    layers: PermissionLayer[],
    room: string | undefined,
    operation: Operation | undefined,
  ): Pick<AdminExplanation, 'layers' | 'room' | 'decision'> {
    if (room === undefined) return { layers };
    return {
      layers,
      room: explainRoom(layers, room),
      ...(operation ? { decision: explainPermission(layers, room, operation) } : {}),
    };
  }
}

/** The checks in order: those before the refusing one passed, it failed, the rest were not reached. */
function checkList(
  order: readonly UpgradeCheck[],
  refusal: { code: string; message: string } | undefined,
): CheckResult[] {
  const failedAt = refusal ? order.indexOf(upgradeCheckOf(refusal.code)) : -1;
  return order.map((check, i): CheckResult => {
    if (!refusal || (failedAt >= 0 && i < failedAt)) return { check, outcome: 'passed' };
    if (i === failedAt || (failedAt < 0 && i === order.length - 1))
      return { check, outcome: 'failed', code: refusal.code, message: refusal.message };
    return { check, outcome: failedAt < 0 ? 'passed' : 'not_reached' };
  });
}

/** The token's claims for display (never its signature); undefined when it cannot be decoded. */
function claimsOf(token: string): Record<string, unknown> | undefined {
  try {
    return { ...decodeJwt(token) };
  } catch {
    return undefined;
  }
}

function policyOf(policy: AppPolicy): NonNullable<AdminExplanation['policy']> {
  return {
    ...(policy.allowedOrigins ? { allowedOrigins: policy.allowedOrigins } : {}),
    maxConnections: policy.limits.maxConnectionsPerApp,
  };
}
