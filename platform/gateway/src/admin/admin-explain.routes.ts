import {
  type AdminExplainRequest,
  ErrorCode,
  isOperation,
  RelayBoxError,
  roomNameProblem,
} from '@relaybox/protocol';
import { jsonObject, optionalString } from './admin-body.js';
import type { Explainer } from './explainer.js';

/** Longest token the explainer reads (a RelayBox token is a few hundred bytes; IdP tokens more). */
export const MAX_EXPLAIN_TOKEN_LENGTH = 16_384;
const MAX_ID_LENGTH = 200;
const MAX_ORIGIN_LENGTH = 300;

/** Validates `POST /v1/admin/explain`'s body (contract in docs/inspector.md#permission-explainer). */
export function parseExplain(body: Buffer, maxRoomNameLength: number): AdminExplainRequest {
  const b = jsonObject(body);
  const token = optionalString(b, 'token', MAX_EXPLAIN_TOKEN_LENGTH);
  const connectionId = optionalString(b, 'connectionId', MAX_ID_LENGTH);
  const traceId = optionalString(b, 'traceId', MAX_ID_LENGTH);
  const given = [token, connectionId, traceId].filter((v) => v !== undefined).length;
  if (given !== 1) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      'give exactly one of "token", "connectionId", "traceId"',
    );
  }
  const request: AdminExplainRequest = token ? { token } : connectionId ? { connectionId } : { traceId };
  if (b.room !== undefined) {
    const problem = roomNameProblem(b.room, maxRoomNameLength);
    if (problem) throw new RelayBoxError(ErrorCode.InvalidRoomName, problem);
    request.room = b.room as string;
  }
  if (b.operation !== undefined) {
    if (!isOperation(b.operation)) {
      throw new RelayBoxError(
        ErrorCode.InvalidRequest,
        '"operation" must be one of subscribe, publish, presence, history, metrics',
      );
    }
    request.operation = b.operation;
  }
  const origin = optionalString(b, 'origin', MAX_ORIGIN_LENGTH);
  if (origin !== undefined) request.origin = origin;
  return request;
}

export async function explainBody(explainer: Explainer, body: Buffer, maxRoomNameLength: number) {
  return explainer.explain(parseExplain(body, maxRoomNameLength));
}
