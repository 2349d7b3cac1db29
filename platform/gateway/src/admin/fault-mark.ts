import { randomBytes } from 'node:crypto';
import { ErrorCode, RelayBoxError, type TraceEvent } from '@relaybox/protocol';

const MAX_SKEW_MS = 10 * 60_000;
const MARK_TYPES = ['fault.injected', 'fault.healed'] as const;

/**
 * Validates `POST /v1/admin/traces/marks` (`{ type, detail, ts? }`): the orchestrator's mark of an
 * injected fault on the traces timeline. Only fault types are accepted; the event's gateway is
 * `orchestrator` and its time the gateway's clock.
 */
export function parseFaultMark(body: Buffer): TraceEvent {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body must be a JSON object');
  const { type, detail, ts } = parsed as Record<string, unknown>;
  if (!(MARK_TYPES as readonly unknown[]).includes(type))
    throw new RelayBoxError(ErrorCode.InvalidRequest, `"type" must be one of ${MARK_TYPES.join(', ')}`);
  if (typeof detail !== 'object' || detail === null || Array.isArray(detail))
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"detail" must be a JSON object');
  const now = Date.now();
  // A mark retried after the fault cut this gateway off keeps the time the fault happened.
  if (
    ts !== undefined &&
    (typeof ts !== 'number' || !Number.isFinite(ts) || Math.abs(ts - now) > MAX_SKEW_MS)
  )
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"ts" must be epoch ms within 10 minutes of now');
  return {
    id: `fault-${randomBytes(8).toString('base64url')}`,
    ts: typeof ts === 'number' ? ts : now,
    gateway: 'orchestrator',
    type: type as TraceEvent['type'],
    detail: detail as Record<string, unknown>,
  };
}
