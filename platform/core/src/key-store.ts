import type { PermissionMap } from '@relaybox/protocol';

/** An API key: `<appId>.<keyId>:<secret>`. The secret is bound to (appId, keyId). */
export interface AppKey {
  appId: string;
  keyId: string;
  secret: string;
  /** The widest set of rights anything authenticated by this key can have. */
  permissions: PermissionMap;
}

/**
 * Resolves API keys.
 *
 * Guarantees: a key is looked up by the pair (appId, keyId) only; a keyId that exists under another
 * app is not found. Implementations may cache; revocation is visible within their documented delay.
 */
export interface KeyStore {
  getKey(appId: string, keyId: string): Promise<AppKey | undefined>;
  close(): Promise<void>;
}

/** Splits `<appId>.<keyId>:<secret>`; returns null when the string does not have that shape. */
export function parseApiKey(apiKey: string): { appId: string; keyId: string; secret: string } | null {
  const colon = apiKey.indexOf(':');
  if (colon < 0) return null;
  const name = apiKey.slice(0, colon);
  const secret = apiKey.slice(colon + 1);
  const dot = name.indexOf('.');
  if (dot <= 0 || dot === name.length - 1 || secret.length === 0) return null;
  return { appId: name.slice(0, dot), keyId: name.slice(dot + 1), secret };
}
