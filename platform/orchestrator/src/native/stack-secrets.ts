import { randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { localAdminToken } from '@relaybox/gateway/local-admin-token';

/**
 * The dev API key of local stacks: `RELAYBOX_DEV_API_KEY` (passed in), else the one kept in
 * `<dataDir>/dev-key`, else a new one written there. Same file and format as the gateway's own
 * fallback, so `relaybox keys` and every engine agree on one key.
 */
export function readOrCreateDevKey(dataDir: string, fixed?: string): string {
  if (fixed) return fixed;
  const file = join(dataDir, 'dev-key');
  try {
    const key = readFileSync(file, 'utf8').trim();
    if (key) return key;
  } catch {
    // Not created yet.
  }
  const key = `dev.default:${randomBytes(24).toString('base64url')}`;
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(file, `${key}\n`, { mode: 0o600 });
  return key;
}

/** A fresh secret for one stack (admin token, cursor secret). */
export function newSecret(bytes = 32): string {
  return randomBytes(bytes).toString('base64url');
}

/** Below this an admin token is refused, as the gateway's own `RELAYBOX_ADMIN_TOKEN` check does. */
export const MIN_ADMIN_TOKEN_LENGTH = 16;

/**
 * The admin token of local stacks: `RELAYBOX_ADMIN_TOKEN` (passed in), else the one kept in
 * `<dataDir>/admin-token` (0600), else a new one written there: the same file every gateway of the
 * data dir falls back to, so the token stays the same from one `relaybox up` to the next.
 */
export function readOrCreateAdminToken(dataDir: string, fixed?: string): string {
  return fixed || localAdminToken(dataDir);
}
