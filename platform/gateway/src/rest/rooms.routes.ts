import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError, roomNameProblem } from '@relaybox/protocol';
import type { Publisher } from '../publisher.js';
import { ResponseGuard, readBody, remoteIp } from '../uws/http.js';
import type { RestAccess } from './rest-access.js';

export interface RoomsRoutesDeps {
  access: RestAccess;
  publisher: Publisher;
  maxBodyBytes: number;
  maxEventNameLength: number;
  maxRoomNameLength: number;
}

/**
 * `POST /v1/rooms/:room/messages` — publish from a backend. Authenticated with
 * `Authorization: Bearer <API key | token>`; needs the `publish` permission on the room (no join:
 * a REST caller has no connection). Body `{event, data, idempotencyKey?}` → 201 `{id, seq, timestamp}`.
 */
export function mountRoomsRoutes(app: TemplatedApp, deps: RoomsRoutesDeps): void {
  app.post('/v1/rooms/:room/messages', (res: HttpResponse, req: HttpRequest) => {
    const authorization = req.getHeader('authorization');
    // W3C Trace Context: the publish's spans continue the caller's trace (ignored when malformed).
    const traceparent = req.getHeader('traceparent') || undefined;
    const rawRoom = req.getParameter(0) ?? '';
    const guard = new ResponseGuard(res);
    publishFromRest(guard, deps, remoteIp(res), { authorization, traceparent }, rawRoom).then(
      (ack) => guard.json(201, ack),
      (error: unknown) => guard.error(error),
    );
  });
}

async function publishFromRest(
  guard: ResponseGuard,
  deps: RoomsRoutesDeps,
  ip: string,
  headers: { authorization: string; traceparent: string | undefined },
  rawRoom: string,
) {
  const { authorization, traceparent } = headers;
  const bodyPromise = readBody(guard, deps.maxBodyBytes);
  bodyPromise.catch(() => {}); // observed below; this only keeps an early auth failure from leaving it unhandled
  const room = decodeRoom(rawRoom, deps.maxRoomNameLength);
  const principal = await deps.access.authenticate(ip, authorization);
  if (!principal.grants.can(room, 'publish')) {
    throw new RelayBoxError(ErrorCode.PermissionDenied, `no permission to publish "${room}"`);
  }
  deps.access.takePublish(principal);
  const body = parseBody(await bodyPromise);
  const { idempotencyKey } = body;
  if (
    idempotencyKey !== undefined &&
    (typeof idempotencyKey !== 'string' || idempotencyKey.length === 0 || idempotencyKey.length > 200)
  ) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      '"idempotencyKey" must be a string of 1-200 characters',
    );
  }
  const event = body.event;
  if (typeof event !== 'string' || event.length === 0 || event.length > deps.maxEventNameLength) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"event" must be a string of 1-${deps.maxEventNameLength} characters`,
    );
  }
  if (!('data' in body))
    throw new RelayBoxError(ErrorCode.InvalidRequest, '"data" is required (null is allowed)');
  return deps.publisher.publish({
    appId: principal.appId,
    room,
    event,
    data: body.data,
    clientId: principal.clientId,
    idempotencyKey,
    via: 'rest',
    traceparent,
  });
}

export function decodeRoom(raw: string, maxLength: number): string {
  let room: string;
  try {
    room = decodeURIComponent(raw);
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRoomName, 'room is not valid percent-encoding');
  }
  const problem = roomNameProblem(room, maxLength);
  if (problem) throw new RelayBoxError(ErrorCode.InvalidRoomName, problem);
  return room;
}

function parseBody(buffer: Buffer): Record<string, unknown> {
  let body: unknown;
  try {
    body = JSON.parse(buffer.toString('utf8'));
  } catch {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, 'body must be a JSON object');
  }
  return body as Record<string, unknown>;
}
