import { ApiError, postJson, requestJson } from '../../../lib/http.js';
import type { ConsoleConnection, DaemonAccess } from './connection.js';

/** GET on the inspector API (`path` starts with `/`, below `/v1/admin`). */
export function adminGet<T>(connection: ConsoleConnection, path: string): Promise<T> {
  return requestJson<T>(`${connection.adminUrl}${path}`, connection.adminToken);
}

export function adminPost<T>(connection: ConsoleConnection, path: string, body: unknown): Promise<T> {
  return postJson<T>(`${connection.adminUrl}${path}`, connection.adminToken, body);
}

export function adminDelete<T>(connection: ConsoleConnection, path: string): Promise<T> {
  return requestJson<T>(`${connection.adminUrl}${path}`, connection.adminToken, { method: 'DELETE' });
}

/** The daemon of the connection; throws when stack control is unavailable. */
export function requireDaemon(connection: ConsoleConnection): DaemonAccess {
  if (!connection.daemon) throw new ApiError(0, 'stack_control_unavailable', 'no stack daemon connected');
  return connection.daemon;
}

export function daemonGet<T>(daemon: DaemonAccess, path: string): Promise<T> {
  return requestJson<T>(`${daemon.url}${path}`, daemon.secret);
}

export function daemonPost<T>(daemon: DaemonAccess, path: string, body?: unknown): Promise<T> {
  return postJson<T>(`${daemon.url}${path}`, daemon.secret, body);
}

/** Polling period of live views. */
export const LIVE_MS = 1000;
