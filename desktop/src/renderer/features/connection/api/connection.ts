import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
// The one typed IPC map of the desktop app (type-only: nothing of it lands in the bundle).
import type { RelayboxBridge } from '../../../../shared/ipc.js';
import { describeError, requestJson } from '../../../lib/http.js';
import type { StackConnection } from '../../../lib/stack-types.js';

/** The local daemon (stack control): its URL and per-launch secret. */
export interface DaemonAccess {
  url: string;
  secret: string;
}

/** Everything the console needs to talk to the stack. */
export interface ConsoleConnection {
  /** Base of the inspector API, e.g. `http://localhost:9000/v1/admin`. */
  adminUrl: string;
  adminToken: string | undefined;
  /** Undefined: stack control is unavailable (no daemon given). */
  daemon: DaemonAccess | undefined;
  /** Why the daemon's connection info could not be read, when a daemon was given. */
  daemonError: string | undefined;
  /** The app the publish box starts with (the dev app when known). */
  devAppId: string | undefined;
}

interface Stored {
  daemon?: string;
  secret?: string;
  token?: string;
}

const STORAGE_KEY = 'relaybox.console';

function readStored(): Stored {
  try {
    return JSON.parse(sessionStorage.getItem(STORAGE_KEY) ?? '{}') as Stored;
  } catch {
    return {};
  }
}

function writeStored(stored: Stored): void {
  sessionStorage.setItem(STORAGE_KEY, JSON.stringify(stored));
}

/**
 * Moves `#daemon=&secret=&token=` from the URL into sessionStorage and strips the fragment, so the
 * secrets stay out of the address bar, history and bookmarks. Call once before the first render.
 */
export function captureFragment(): void {
  const hash = window.location.hash.slice(1);
  if (!hash) return;
  const params = new URLSearchParams(hash);
  const found: Stored = {};
  for (const name of ['daemon', 'secret', 'token'] as const) {
    const value = params.get(name);
    if (value) found[name] = value;
  }
  if (Object.keys(found).length === 0) return;
  writeStored({ ...readStored(), ...found });
  window.history.replaceState(null, '', window.location.pathname + window.location.search);
}

async function daemonAccess(stored: Stored): Promise<DaemonAccess | undefined> {
  const bridge = (window as unknown as { relaybox?: RelayboxBridge }).relaybox;
  if (bridge) {
    const { daemonUrl, secret } = await bridge.invoke('console:connection');
    return { url: daemonUrl.replace(/\/$/, ''), secret };
  }
  if (stored.daemon && stored.secret) return { url: stored.daemon.replace(/\/$/, ''), secret: stored.secret };
  return undefined;
}

/** `admin` may be the admin base itself or just the stack's origin. */
function adminBase(admin: string | undefined): string {
  const base = (admin || window.location.origin).replace(/\/$/, '');
  return base.endsWith('/v1/admin') ? base : `${base}/v1/admin`;
}

export async function fetchConnection(): Promise<ConsoleConnection> {
  const stored = readStored();
  const daemon = await daemonAccess(stored);
  const fallback: ConsoleConnection = {
    adminUrl: adminBase(undefined),
    adminToken: stored.token,
    daemon,
    daemonError: undefined,
    devAppId: undefined,
  };
  if (!daemon) return fallback;
  try {
    const info = await requestJson<StackConnection>(`${daemon.url}/api/stack/connection`, daemon.secret);
    return {
      ...fallback,
      adminUrl: adminBase(info.admin || info.origin),
      adminToken: info.adminToken || stored.token,
      devAppId: info.devApiKey?.split('.')[0] || undefined,
    };
  } catch (error) {
    return { ...fallback, daemonError: describeError(error) };
  }
}

export const connectionQueryOptions = () =>
  queryOptions({ queryKey: ['connection'], queryFn: fetchConnection, staleTime: Number.POSITIVE_INFINITY });

export const useConnection = () => useQuery(connectionQueryOptions());

/** Keeps an admin token typed by the user (no daemon) for this browser tab. */
export function useSaveToken() {
  const client = useQueryClient();
  return useMutation({
    mutationFn: async (token: string) => writeStored({ ...readStored(), token: token.trim() }),
    onSuccess: () => client.invalidateQueries({ queryKey: ['connection'] }),
  });
}
