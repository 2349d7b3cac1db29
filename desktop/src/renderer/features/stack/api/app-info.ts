import { queryOptions, useQuery } from '@tanstack/react-query';
// The one typed IPC map of the desktop app (type-only: nothing of it lands in the bundle).
import type { AppInfo, RelayboxBridge } from '../../../../shared/ipc.js';

/** The desktop app's info over IPC (which engine runs and why); null in a browser tab (no bridge). */
export async function fetchAppInfo(): Promise<AppInfo | null> {
  const bridge = (window as unknown as { relaybox?: RelayboxBridge }).relaybox;
  return bridge ? bridge.invoke('app:info') : null;
}

// The engine changes only when the app restarts the stack, which reloads the console window.
export const appInfoQueryOptions = () =>
  queryOptions({
    queryKey: ['desktop', 'app-info'],
    queryFn: fetchAppInfo,
    staleTime: Number.POSITIVE_INFINITY,
  });

export const useAppInfo = () => useQuery(appInfoQueryOptions());
