import { ErrorCode, RelayBoxError, roomNameProblem } from '@relaybox/protocol';
import type { PublishInput } from '../publisher.js';
import type { AdminViews } from './admin-views.js';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const CLIENT_ID_MAX = 128;

/** Validates `POST /v1/admin/publish`'s body `{ appId?, room, event, data, clientId? }`. */
export function parsePublish(
  body: Buffer,
  limits: { maxEventNameLength: number; maxRoomNameLength: number },
  views: Pick<AdminViews, 'appOf'>,
): PublishInput {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body must be a JSON object');
  }
  const b = parsed as Record<string, unknown>;
  const appId = views.appOf(typeof b.appId === 'string' && b.appId !== '' ? b.appId : undefined);
  if (!ID.test(appId))
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"appId" must be 1-64 of A-Z a-z 0-9 _ -');
  const problem = roomNameProblem(b.room, limits.maxRoomNameLength);
  if (problem) throw new RelayBoxError(ErrorCode.InvalidRoomName, problem);
  const { event } = b;
  if (typeof event !== 'string' || event.length === 0 || event.length > limits.maxEventNameLength) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"event" must be a string of 1-${limits.maxEventNameLength} characters`,
    );
  }
  if (!('data' in b))
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"data" is required (null is allowed)');
  const clientId = b.clientId ?? 'admin';
  if (typeof clientId !== 'string' || clientId.length === 0 || clientId.length > CLIENT_ID_MAX) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"clientId" must be a string of 1-${CLIENT_ID_MAX} characters`,
    );
  }
  return { appId, room: b.room as string, event, data: b.data, clientId };
}
