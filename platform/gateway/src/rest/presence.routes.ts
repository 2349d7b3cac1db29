import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { Authenticator } from '../auth/authenticator.js';
import { extractCredentials } from '../auth/credentials.js';
import type { PresenceService } from '../presence-service.js';
import { ResponseGuard } from '../uws/http.js';
import { decodeRoom } from './rooms.routes.js';

export interface PresenceRoutesDeps {
  authenticator: Authenticator;
  presence: PresenceService;
  maxRoomNameLength: number;
}

/** `GET /v1/rooms/:room/presence` → `{members}` (every member); needs the `presence` permission. */
export function mountPresenceRoutes(app: TemplatedApp, deps: PresenceRoutesDeps): void {
  app.get('/v1/rooms/:room/presence', (res: HttpResponse, req: HttpRequest) => {
    const authorization = req.getHeader('authorization');
    const rawRoom = req.getParameter(0) ?? '';
    const guard = new ResponseGuard(res);
    readPresence(deps, authorization, rawRoom).then(
      (members) => guard.json(200, { members }),
      (error: unknown) => guard.error(error),
    );
  });
}

async function readPresence(deps: PresenceRoutesDeps, authorization: string, rawRoom: string) {
  const room = decodeRoom(rawRoom, deps.maxRoomNameLength);
  const principal = await deps.authenticator.authenticate(
    extractCredentials({ authorization, protocols: '', queryToken: '', queryClientId: '' }),
  );
  if (!principal.grants.can(room, 'presence')) {
    throw new RelayBoxError(ErrorCode.PermissionDenied, `no permission to read the presence of "${room}"`);
  }
  return deps.presence.members(principal.appId, room);
}
