import { DEFAULT_APP_AUTH, type SignInLimits } from '@relaybox/core';
import type { PermissionMap } from '@relaybox/protocol';

/**
 * An app's user pool as the dashboard edits it (docs/control-plane.md#auth). The gateways receive it
 * through the internal API in the apps-file shape of `auth` (docs/auth.md), which
 * `parseAppAuthConfig` of `@relaybox/core` checks again on their side.
 */
export type MfaPolicy = 'off' | 'optional' | 'required';

export interface AppAuthSettings {
  /** false: the app has no user pool (its `/v1/auth` routes answer 404 `auth_not_enabled`). */
  enabled: boolean;
  /** What every signed-in user may do; a user's own permissions can only narrow it. */
  userPermissions: PermissionMap;
  /** off: no authenticator can be enrolled; optional: users may enrol one; required: every user must. */
  mfa: MfaPolicy;
  /** The app's OAuth callback pages, matched character for character. */
  redirectUris: string[];
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  minPasswordLength: number;
  /** Sign-in attempts per account / per client address in a window (docs/auth.md#abuse). */
  signInLimits: SignInLimits;
  /** Shown in mails and authenticator apps; null: the app id. */
  appName: string | null;
  /** The app's pages that complete an emailed action; null: that mail is not sent. */
  emailLinks: EmailLinks;
  /** Sign-in waits for a verified email; needs `emailLinks.verifyUrl`. */
  requireEmailVerification: boolean;
}

export interface EmailLinks {
  verifyUrl: string | null;
  resetUrl: string | null;
}

export const DEFAULT_APP_AUTH_SETTINGS: AppAuthSettings = {
  enabled: false,
  userPermissions: { '*': ['subscribe', 'publish', 'presence', 'history'] },
  mfa: 'optional',
  redirectUris: [],
  accessTokenTtlSec: 900,
  refreshTokenTtlSec: 30 * 86_400,
  minPasswordLength: 8,
  signInLimits: { ...DEFAULT_APP_AUTH.signInLimits },
  appName: null,
  emailLinks: { verifyUrl: null, resetUrl: null },
  requireEmailVerification: false,
};

/** Bounds (the gateway's `parseAppAuthConfig` holds the same). */
export const MAX_REDIRECT_URIS = 20;
export const MAX_AUTH_PROVIDERS = 10;
export const MAX_USER_PERMISSION_PATTERNS = 100;

const OPERATIONS = ['subscribe', 'publish', 'presence', 'history', 'metrics'];

/** http(s) URL without a fragment (checked again with `new URL` in the route). */
const URL_PATTERN = '^https?://[^\\s#]+$';

/** JSON schema of a settings patch: every field optional. */
export const authSettingsPatchSchema = {
  type: 'object',
  additionalProperties: false,
  properties: {
    enabled: { type: 'boolean' },
    userPermissions: {
      type: 'object',
      maxProperties: MAX_USER_PERMISSION_PATTERNS,
      propertyNames: { minLength: 1, maxLength: 200 },
      additionalProperties: {
        type: 'array',
        maxItems: OPERATIONS.length,
        uniqueItems: true,
        items: { type: 'string', enum: OPERATIONS },
      },
    },
    mfa: { type: 'string', enum: ['off', 'optional', 'required'] },
    redirectUris: {
      type: 'array',
      maxItems: MAX_REDIRECT_URIS,
      uniqueItems: true,
      items: { type: 'string', minLength: 1, maxLength: 2048, pattern: URL_PATTERN },
    },
    accessTokenTtlSec: { type: 'integer', minimum: 30, maximum: 86_400 },
    refreshTokenTtlSec: { type: 'integer', minimum: 300, maximum: 365 * 86_400 },
    minPasswordLength: { type: 'integer', minimum: 8, maximum: 128 },
    // Only the shape here: their rules and bounds are `parseAppAuthConfig`'s (checkAppsFileRules).
    signInLimits: { type: 'object' },
    appName: { type: ['string', 'null'] },
    emailLinks: { type: 'object' },
    requireEmailVerification: { type: 'boolean' },
  },
} as const;

/** Every field optional; `signInLimits` and `emailLinks` merge field by field (null clears a link). */
export type AppAuthSettingsPatch = Partial<Omit<AppAuthSettings, 'signInLimits' | 'emailLinks'>> & {
  signInLimits?: Partial<SignInLimits>;
  emailLinks?: Partial<EmailLinks>;
};

const NESTED = new Set(['signInLimits', 'emailLinks']);

export function mergeAuthSettings(current: AppAuthSettings, patch: AppAuthSettingsPatch): AppAuthSettings {
  const merged = { ...current } as Record<string, unknown>;
  for (const [name, value] of Object.entries(patch)) {
    if (value === undefined) continue;
    merged[name] = NESTED.has(name) ? { ...(merged[name] as object), ...(value as object) } : value;
  }
  return merged as unknown as AppAuthSettings;
}

/**
 * The settings in the apps file's `auth` shape (docs/auth.md), without providers: what the gateways
 * read, and what `parseAppAuthConfig` checks before a save.
 */
export function toAppsFileAuth(settings: AppAuthSettings) {
  // Every key but the cleared ones, so the parser also sees (and refuses) a key it does not know.
  const emailLinks = Object.fromEntries(
    Object.entries(settings.emailLinks).filter(([, url]) => url !== null),
  ) as Partial<Record<keyof EmailLinks, string>>;
  return {
    userPermissions: settings.userPermissions,
    accessTokenTtlSec: settings.accessTokenTtlSec,
    refreshTokenTtlSec: settings.refreshTokenTtlSec,
    minPasswordLength: settings.minPasswordLength,
    signInLimits: settings.signInLimits,
    ...(settings.appName !== null ? { appName: settings.appName } : {}),
    emailLinks,
    requireEmailVerification: settings.requireEmailVerification,
    redirectUris: settings.redirectUris,
    mfa: { required: settings.mfa === 'required', allowed: settings.mfa !== 'off' },
  };
}

/** Settings as stored, filled with defaults for fields added after the row was written. */
export function readAuthSettings(stored: unknown): AppAuthSettings {
  const s = (typeof stored === 'string' ? JSON.parse(stored) : stored) as AppAuthSettingsPatch | null;
  return mergeAuthSettings(DEFAULT_APP_AUTH_SETTINGS, s ?? {});
}

/** The first redirect URI that `new URL` refuses or that carries a fragment, if any. */
export function badRedirectUri(uris: readonly string[]): number {
  return uris.findIndex((uri) => {
    try {
      const url = new URL(uri);
      return (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '' || uri.includes('#');
    } catch {
      return true;
    }
  });
}

export type AuthProviderKind = 'oidc' | 'github' | 'google';

/** A provider as the API shows it: the client secret is write-only (never returned). */
export interface AuthProviderInfo {
  id: string;
  kind: AuthProviderKind;
  issuer: string | null;
  clientId: string;
  scopes: string[] | null;
  createdAt: string;
}

const scopesSchema = {
  type: 'array',
  maxItems: 20,
  uniqueItems: true,
  items: { type: 'string', minLength: 1, maxLength: 100, pattern: '^[\\x21-\\x7e]+$' },
} as const;
const secretSchema = { type: 'string', minLength: 1, maxLength: 512 } as const;
const issuerSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 2048,
  pattern: '^https?://[^\\s#?]+$',
} as const;

export const providerCreateSchema = {
  type: 'object',
  required: ['id', 'kind', 'clientId', 'clientSecret'],
  additionalProperties: false,
  properties: {
    id: { type: 'string', pattern: '^[a-z0-9_-]{1,64}$' },
    kind: { type: 'string', enum: ['oidc', 'github', 'google'] },
    issuer: issuerSchema,
    clientId: secretSchema,
    clientSecret: secretSchema,
    scopes: scopesSchema,
  },
} as const;

/** A provider edit: `clientSecret` replaces the stored one (it is never read back). */
export const providerPatchSchema = {
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    issuer: issuerSchema,
    clientId: secretSchema,
    clientSecret: secretSchema,
    scopes: { anyOf: [scopesSchema, { type: 'null' }] },
  },
} as const;

/**
 * A new provider. `issuer`: required for `oidc` (discovery), a GitHub Enterprise base URL for
 * `github` (absent: github.com), refused for `google` (fixed).
 */
export interface ProviderCreate {
  id: string;
  kind: AuthProviderKind;
  issuer?: string;
  clientId: string;
  clientSecret: string;
  scopes?: string[];
}

export type ProviderPatch = Partial<Pick<ProviderCreate, 'issuer' | 'clientId' | 'clientSecret'>> & {
  scopes?: string[] | null;
};
