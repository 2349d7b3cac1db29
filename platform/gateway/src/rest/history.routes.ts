import type { HttpRequest, HttpResponse, TemplatedApp } from 'uWebSockets.js';
import { ErrorCode, parseHistoryQuery, RelayBoxError } from '@relaybox/protocol';
import type { RoomHistory } from '../room-history.js';
import { ResponseGuard, remoteIp } from '../uws/http.js';
import type { RestAccess } from './rest-access.js';
import { decodeRoom } from './rooms.routes.js';

const NUMERIC = new Set(['limit', 'fromSeq', 'toSeq', 'start', 'end']);
const KNOWN = new Set([...NUMERIC, 'direction', 'event', 'cursor']);

export interface HistoryRoutesDeps {
  access: RestAccess;
  history: RoomHistory;
  maxRoomNameLength: number;
}

/**
 * `GET /v1/rooms/:room/messages?direction=&limit=&fromSeq=&toSeq=&start=&end=&event=&cursor=`:
 * a page of the room's history (`{items, hasNext, next?}`); needs the `history` permission.
 */
export function mountHistoryRoutes(app: TemplatedApp, deps: HistoryRoutesDeps): void {
  app.get('/v1/rooms/:room/messages', (res: HttpResponse, req: HttpRequest) => {
    const authorization = req.getHeader('authorization');
    const rawRoom = req.getParameter(0) ?? '';
    const search = new URLSearchParams(req.getQuery() ?? '');
    const guard = new ResponseGuard(res);
    readHistory(deps, remoteIp(res), authorization, rawRoom, search).then(
      (page) => guard.json(200, page),
      (error: unknown) => guard.error(error),
    );
  });
}

async function readHistory(
  deps: HistoryRoutesDeps,
  ip: string,
  authorization: string,
  rawRoom: string,
  search: URLSearchParams,
) {
  const room = decodeRoom(rawRoom, deps.maxRoomNameLength);
  const principal = await deps.access.authenticate(ip, authorization);
  if (!principal.grants.can(room, 'history')) {
    throw new RelayBoxError(ErrorCode.PermissionDenied, `no permission to read the history of "${room}"`);
  }
  return deps.history.page(principal.appId, room, queryFromSearch(search));
}

function queryFromSearch(search: URLSearchParams) {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of search) {
    if (!KNOWN.has(key))
      throw new RelayBoxError(ErrorCode.InvalidRequest, `unknown query parameter "${key}"`);
    raw[key] = NUMERIC.has(key) && /^\d+$/.test(value) ? Number(value) : value;
  }
  try {
    return parseHistoryQuery(raw);
  } catch (error) {
    throw new RelayBoxError(ErrorCode.InvalidRequest, (error as Error).message.replace('"query.', '"'));
  }
}
