import { ErrorCode, FaultSpecError, VerifyRequestError } from '@relaybox/protocol';
import { OrchestratorError, type OrchestratorErrorCode } from '../engine.js';

/** Codes of the daemon's error bodies: the engines' codes plus the protocol's for auth and routing. */
export type DaemonErrorCode = OrchestratorErrorCode | ErrorCode;

/** A refused daemon request: answered as `{error:{code, message, details?}}` with `status`. */
export class DaemonError extends Error {
  override readonly name = 'DaemonError';
  constructor(
    readonly status: number,
    readonly code: DaemonErrorCode,
    message: string,
    readonly details?: string,
  ) {
    super(message);
  }
}

const ORCHESTRATOR_STATUS: Record<OrchestratorErrorCode, number> = {
  docker_unavailable: 503,
  port_in_use: 409,
  image_build_failed: 500,
  service_unhealthy: 503,
  service_not_found: 404,
  stack_not_running: 409,
  invalid_argument: 400,
  dependency_unavailable: 503,
  action_not_supported: 409,
  fault_unsupported: 409,
  fault_not_found: 404,
};

export interface ErrorResponse {
  status: number;
  body: { error: { code: DaemonErrorCode; message: string; details?: string } };
}

/** The one place that maps a thrown value to an HTTP error response. */
export function toErrorResponse(error: unknown): ErrorResponse {
  if (error instanceof DaemonError) {
    return respond(error.status, error.code, error.message, error.details);
  }
  if (error instanceof FaultSpecError || error instanceof VerifyRequestError)
    return respond(400, 'invalid_argument', error.message);
  if (error instanceof OrchestratorError) {
    return respond(ORCHESTRATOR_STATUS[error.code] ?? 500, error.code, error.message, error.details);
  }
  // The daemon only listens on loopback for the local user, so the message helps and leaks nothing.
  const message = error instanceof Error ? error.message : String(error);
  return respond(500, ErrorCode.Internal, `daemon error: ${message}`);
}

function respond(status: number, code: DaemonErrorCode, message: string, details?: string): ErrorResponse {
  return { status, body: { error: { code, message, ...(details === undefined ? {} : { details }) } } };
}
