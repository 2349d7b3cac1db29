import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { PresenceService } from '../presence-service.js';
import { ResponseGuard, remoteIp } from '../uws/http.js';
import type { RestAccess } from './rest-access.js';
import { decodeRoom } from './rooms.routes.js';

export interface PresenceRoutesDeps {
  access: RestAccess;
  presence: PresenceService;
  maxRoomNameLength: number;
}

/** `GET /v1/rooms/:room/presence` → `{members}` (every member); needs the `presence` permission. */
export function mountPresenceRoutes(app: TemplatedApp, deps: PresenceRoutesDeps): void {
  app.get('/v1/rooms/:room/presence', (res: HttpResponse, req: HttpRequest) => {
    const authorization = req.getHeader('authorization');
    const rawRoom = req.getParameter(0) ?? '';
    const guard = new ResponseGuard(res);
    readPresence(deps, remoteIp(res), authorization, rawRoom).then(
      (members) => guard.json(200, { members }),
      (error: unknown) => guard.error(error),
    );
  });
}

async function readPresence(deps: PresenceRoutesDeps, ip: string, authorization: string, rawRoom: string) {
  const room = decodeRoom(rawRoom, deps.maxRoomNameLength);
  const principal = await deps.access.authenticate(ip, authorization);
  if (!principal.grants.can(room, 'presence')) {
    throw new RelayBoxError(ErrorCode.PermissionDenied, `no permission to read the presence of "${room}"`);
  }
  return deps.presence.members(principal.appId, room);
}
