import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import { MAX_PASSWORD_LENGTH } from './passwords.js';
import { normalizeEmail } from './user-store.js';

const MAX_EMAIL_LENGTH = 254;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
export const MAX_DISPLAY_NAME_LENGTH = 100;
export const MAX_AVATAR_URL_LENGTH = 2048;

/** `{email, password}` of sign-up and sign-in; the email comes back normalized. */
export function validateCredentials(
  body: Record<string, unknown>,
  minPasswordLength: number,
): { email: string; password: string } {
  const { email, password } = body;
  if (typeof email !== 'string' || email.length > MAX_EMAIL_LENGTH || !EMAIL.test(email.trim())) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"email" must be an email address of at most ${MAX_EMAIL_LENGTH} characters`,
    );
  }
  if (
    typeof password !== 'string' ||
    password.length < minPasswordLength ||
    password.length > MAX_PASSWORD_LENGTH
  ) {
    throw new RelayBoxError(
      ErrorCode.InvalidRequest,
      `"password" must be a string of ${minPasswordLength}-${MAX_PASSWORD_LENGTH} characters`,
    );
  }
  return { email: normalizeEmail(email), password };
}

/** Optional `displayName` and `avatarUrl` (http or https) of sign-up and profile updates. */
export function validateProfile(body: Record<string, unknown>): {
  displayName?: string | null;
  avatarUrl?: string | null;
} {
  const out: { displayName?: string | null; avatarUrl?: string | null } = {};
  const { displayName, avatarUrl } = body;
  if (displayName !== undefined) {
    if (
      displayName !== null &&
      (typeof displayName !== 'string' || displayName.length > MAX_DISPLAY_NAME_LENGTH)
    ) {
      throw new RelayBoxError(
        ErrorCode.InvalidRequest,
        `"displayName" must be a string of at most ${MAX_DISPLAY_NAME_LENGTH} characters, or null`,
      );
    }
    out.displayName = displayName as string | null;
  }
  if (avatarUrl !== undefined) {
    if (avatarUrl !== null && !isHttpUrl(avatarUrl)) {
      throw new RelayBoxError(
        ErrorCode.InvalidRequest,
        `"avatarUrl" must be an http(s) URL of at most ${MAX_AVATAR_URL_LENGTH} characters, or null`,
      );
    }
    out.avatarUrl = avatarUrl as string | null;
  }
  return out;
}

function isHttpUrl(value: unknown): boolean {
  if (typeof value !== 'string' || value.length > MAX_AVATAR_URL_LENGTH) return false;
  try {
    const url = new URL(value);
    return url.protocol === 'https:' || url.protocol === 'http:';
  } catch {
    return false;
  }
}
