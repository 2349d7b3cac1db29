import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import type { AuthStorage } from './auth-types.js';

/** The given storage, else the page's `sessionStorage`, else memory (Node: one instance only). */
export function pageStorage(given: AuthStorage | undefined): AuthStorage {
  const storage = given ?? (globalThis as { sessionStorage?: AuthStorage }).sessionStorage;
  if (storage) return storage;
  const map = new Map<string, string>();
  return {
    getItem: (k) => map.get(k) ?? null,
    setItem: (k, v) => void map.set(k, v),
    removeItem: (k) => void map.delete(k),
  };
}

/** The one-time token of a verification or reset link: `#token=…` (or `?token=…`) of this page. */
export function tokenFromLocation(): string {
  const href = (globalThis as { location?: { href: string } }).location?.href;
  const url = href ? new URL(href) : undefined;
  const token = new URLSearchParams(url?.hash.slice(1)).get('token') ?? url?.searchParams.get('token');
  if (!token) throw new RelayBoxError(ErrorCode.InvalidRequest, 'no token: pass the one of the link');
  return token;
}
