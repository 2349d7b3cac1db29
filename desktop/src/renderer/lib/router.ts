import { useSyncExternalStore } from 'react';

/** The console lives under this path; routes are the rest of the pathname (`/rooms/dev/chat`). */
export const BASE = '/console';

const listeners = new Set<() => void>();
/** Route kept in memory when the console is not loaded under `/console` (e.g. Electron from a file). */
let memoryRoute = '/';

function subscribe(listener: () => void): () => void {
  listeners.add(listener);
  window.addEventListener('popstate', listener);
  return () => {
    listeners.delete(listener);
    window.removeEventListener('popstate', listener);
  };
}

/** The current route: the pathname below `/console`, always starting with `/`. */
export function currentRoute(): string {
  const path = window.location.pathname;
  if (!path.startsWith(BASE)) return memoryRoute;
  const rest = path.slice(BASE.length);
  return rest === '' ? '/' : rest;
}

export function useRoute(): string {
  return useSyncExternalStore(subscribe, currentRoute);
}

export function navigate(route: string): void {
  if (window.location.pathname.startsWith(BASE)) window.history.pushState(null, '', `${BASE}${route}`);
  else memoryRoute = route;
  for (const listener of listeners) listener();
}

export const roomRoute = (appId: string, room: string) =>
  `/rooms/${encodeURIComponent(appId)}/${encodeURIComponent(room)}`;

export const connectionRoute = (connectionId: string) => `/connections/${encodeURIComponent(connectionId)}`;

export const traceRoute = (messageId: string) => `/traces/${encodeURIComponent(messageId)}`;

/** The permission explainer of a feed event (`auth.failed`, `permission.denied`) or a connection. */
export const explainRoute = (subject: 'trace' | 'connection', id: string) =>
  `/explain/${subject}/${encodeURIComponent(id)}`;

/** Splits a route into decoded segments: `/rooms/dev/chat%3Aa` → ['rooms', 'dev', 'chat:a']. */
export function routeSegments(route: string): string[] {
  return route
    .split('/')
    .filter(Boolean)
    .map((segment) => {
      try {
        return decodeURIComponent(segment);
      } catch {
        return segment;
      }
    });
}
