import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

// Its own module (and package subpath `@relaybox/gateway/local-admin-token`) so that the
// orchestrator, and the desktop main process bundled from it, read the token without loading the
// gateway and its native uWebSockets.js builds.

/** `<dataDir>/admin-token`, created (0600) on first use; every local gateway of the data dir shares it. */
export function localAdminToken(dataDir: string): string {
  const file = join(dataDir, 'admin-token');
  const read = () => {
    try {
      return readFileSync(file, 'utf8').trim() || undefined;
    } catch {
      return undefined;
    }
  };
  const existing = read();
  if (existing) return existing;
  const token = `rbadm_${randomToken()}`;
  mkdirSync(dataDir, { recursive: true });
  try {
    // `wx`: a gateway starting at the same moment keeps the token the first one wrote.
    writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
    return token;
  } catch {
    return read() ?? token;
  }
}

function randomToken(): string {
  const bytes = new Uint8Array(24);
  crypto.getRandomValues(bytes);
  return Buffer.from(bytes).toString('base64url');
}
