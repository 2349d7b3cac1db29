import { type PermissionMap, validatePermissionMap } from '@relaybox/protocol';

/** Sign-in attempt limits of an app's user pool (docs/auth.md#abuse). */
export interface SignInLimits {
  /** Attempts per account (by email) per window. */
  perAccount: number;
  /** Attempts per client address per window. */
  perAddress: number;
  windowSec: number;
}

/** An app's user pool (the apps file's `auth`, docs/auth.md); an app without one answers 404 on `/v1/auth`. */
export interface AppAuthConfig {
  /** What every signed-in user of the app may do; a user's own `permissions` can only narrow it. */
  userPermissions: PermissionMap;
  accessTokenTtlSec: number;
  refreshTokenTtlSec: number;
  minPasswordLength: number;
  signInLimits: SignInLimits;
  /** Shown in mails and authenticator apps; default the app id. */
  appName: string;
  /**
   * The app's pages that complete an emailed action (the token arrives in the link's fragment);
   * null: that mail is not sent (`/verify-email/request`, `/password-reset/request` answer 404).
   */
  emailLinks: { verifyUrl: string | null; resetUrl: string | null };
  /**
   * Sign-up answers the same `{ verificationRequired: true }` whether or not the email is taken (no
   * enumeration) and mails a verification link; sign-in waits for the email to be verified.
   * Needs `emailLinks.verifyUrl`.
   */
  requireEmailVerification: boolean;
  /** OAuth / OpenID Connect sign-in providers (docs/auth-providers.md); checked fully on use. */
  providers: AuthProviderSettings[];
  /** The app's OAuth callback pages: a sign-in may only return to one of these, character for character. */
  redirectUris: string[];
  /**
   * `mfa.required`: every user must have an authenticator. A user without one who signs in gets no
   * session but `{ mfaEnrollmentRequired, enrollToken }`: a token good only for enrolling and
   * activating TOTP, which then starts the session (docs/auth.md#requiring-mfa).
   */
  mfaRequired: boolean;
  /**
   * `mfa.allowed` (default true): false turns MFA off: no authenticator can be enrolled (403
   * `permission_denied`); one enrolled before still guards its user's sign-in.
   */
  mfaAllowed: boolean;
}

/** One OAuth / OIDC provider of an app (`@relaybox/auth` `OAuthProviderConfig`). */
export interface AuthProviderSettings {
  id: string;
  kind: 'oidc' | 'github' | 'google';
  issuer?: string;
  clientId: string;
  clientSecret: string;
  scopes?: string[];
}

export const DEFAULT_APP_AUTH: Readonly<
  Omit<
    AppAuthConfig,
    | 'userPermissions'
    | 'appName'
    | 'emailLinks'
    | 'providers'
    | 'redirectUris'
    | 'requireEmailVerification'
    | 'mfaRequired'
    | 'mfaAllowed'
  >
> = Object.freeze({
  accessTokenTtlSec: 900,
  refreshTokenTtlSec: 30 * 86_400,
  minPasswordLength: 8,
  signInLimits: Object.freeze({ perAccount: 5, perAddress: 30, windowSec: 900 }),
});

/** Every operation but `metrics`, on every room: the user pool default of the dev app. */
export const DEFAULT_USER_PERMISSIONS: PermissionMap = Object.freeze({
  '*': ['subscribe', 'publish', 'presence', 'history'],
}) as PermissionMap;

const BOUNDS = {
  accessTokenTtlSec: [30, 86_400],
  refreshTokenTtlSec: [300, 365 * 86_400],
  minPasswordLength: [8, 128],
  perAccount: [1, 1000],
  perAddress: [1, 100_000],
  windowSec: [1, 86_400],
} as const;

/**
 * Parses an app's `auth` section: `{ enabled?, userPermissions?, accessTokenTtlSec?,
 * refreshTokenTtlSec?, minPasswordLength?, signInLimits?: { perAccount?, perAddress?, windowSec? } }`.
 * Returns undefined when absent or `enabled: false`; throws an Error naming `where` on a problem.
 */
export function parseAppAuthConfig(raw: unknown, where: string, appId = 'app'): AppAuthConfig | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${where} must be an object`);
  const {
    enabled = true,
    userPermissions,
    signInLimits,
    appName,
    emailLinks,
    providers,
    redirectUris,
    requireEmailVerification = false,
    mfa,
    ...rest
  } = raw as Record<string, unknown>;
  if (typeof enabled !== 'boolean') throw new Error(`${where}.enabled must be a boolean`);
  const config: AppAuthConfig = {
    ...DEFAULT_APP_AUTH,
    signInLimits: { ...DEFAULT_APP_AUTH.signInLimits },
    userPermissions: DEFAULT_USER_PERMISSIONS,
    appName: appId,
    emailLinks: { verifyUrl: null, resetUrl: null },
    requireEmailVerification: requireEmailVerification === true,
    providers: readProviders(providers, `${where}.providers`),
    redirectUris: readRedirectUris(redirectUris, `${where}.redirectUris`),
    ...readMfa(mfa, `${where}.mfa`),
  };
  if (appName !== undefined) {
    if (typeof appName !== 'string' || appName.length === 0 || appName.length > 100 || appName.includes(':'))
      throw new Error(`${where}.appName must be 1-100 characters without ":"`);
    config.appName = appName;
  }
  if (emailLinks !== undefined) config.emailLinks = readEmailLinks(emailLinks, `${where}.emailLinks`);
  if (typeof requireEmailVerification !== 'boolean')
    throw new Error(`${where}.requireEmailVerification must be a boolean`);
  if (requireEmailVerification && !config.emailLinks.verifyUrl)
    throw new Error(`${where}.requireEmailVerification needs emailLinks.verifyUrl`);
  if (userPermissions !== undefined) {
    const problem = validatePermissionMap(userPermissions);
    if (problem) throw new Error(`${where}.userPermissions: ${problem}`);
    config.userPermissions = userPermissions as PermissionMap;
  }
  for (const [name, value] of Object.entries(rest)) {
    if (name !== 'accessTokenTtlSec' && name !== 'refreshTokenTtlSec' && name !== 'minPasswordLength') {
      throw new Error(`${where}: unknown field "${name}"`);
    }
    config[name] = bounded(value, BOUNDS[name], `${where}.${name}`);
  }
  if (signInLimits !== undefined) {
    if (typeof signInLimits !== 'object' || signInLimits === null || Array.isArray(signInLimits))
      throw new Error(`${where}.signInLimits must be an object`);
    for (const [name, value] of Object.entries(signInLimits)) {
      if (name !== 'perAccount' && name !== 'perAddress' && name !== 'windowSec') {
        throw new Error(`${where}.signInLimits: unknown field "${name}"`);
      }
      config.signInLimits[name] = bounded(value, BOUNDS[name], `${where}.signInLimits.${name}`);
    }
  }
  return enabled ? config : undefined;
}

function readMfa(raw: unknown, at: string): Pick<AppAuthConfig, 'mfaRequired' | 'mfaAllowed'> {
  if (raw === undefined) return { mfaRequired: false, mfaAllowed: true };
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${at} must be an object`);
  const { required = false, allowed = true, ...rest } = raw as Record<string, unknown>;
  const unknown = Object.keys(rest)[0];
  if (unknown !== undefined) throw new Error(`${at}: unknown field "${unknown}"`);
  if (typeof required !== 'boolean') throw new Error(`${at}.required must be a boolean`);
  if (typeof allowed !== 'boolean') throw new Error(`${at}.allowed must be a boolean`);
  if (required && !allowed) throw new Error(`${at}: required needs allowed`);
  return { mfaRequired: required, mfaAllowed: allowed };
}

function readProviders(raw: unknown, at: string): AuthProviderSettings[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > 10)
    throw new Error(`${at} must be an array of at most 10 providers`);
  const ids = new Set<string>();
  return raw.map((entry, i) => {
    const p = (entry ?? {}) as Record<string, unknown>;
    if (typeof p.id !== 'string' || !/^[a-z0-9_-]{1,64}$/.test(p.id) || ids.has(p.id))
      throw new Error(`${at}[${i}].id must be a unique 1-64 of [a-z0-9_-]`);
    ids.add(p.id);
    if (p.kind !== 'oidc' && p.kind !== 'github' && p.kind !== 'google')
      throw new Error(`${at}[${i}].kind must be oidc, github or google`);
    for (const field of ['clientId', 'clientSecret'] as const) {
      const value = p[field];
      if (typeof value !== 'string' || value.length === 0 || value.length > 512)
        throw new Error(`${at}[${i}].${field} must be 1-512 characters`);
    }
    if (p.kind === 'oidc' && typeof p.issuer !== 'string')
      throw new Error(`${at}[${i}].issuer is required for oidc`);
    if (p.scopes !== undefined && (!Array.isArray(p.scopes) || !p.scopes.every((s) => typeof s === 'string')))
      throw new Error(`${at}[${i}].scopes must be an array of strings`);
    return p as unknown as AuthProviderSettings;
  });
}

function readRedirectUris(raw: unknown, at: string): string[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw) || raw.length > 20) throw new Error(`${at} must be an array of at most 20 URLs`);
  return raw.map((uri, i) => {
    let url: URL | undefined;
    try {
      url = typeof uri === 'string' && uri.length <= 2048 ? new URL(uri) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '')
      throw new Error(`${at}[${i}] must be an http(s) URL without a fragment`);
    return uri as string;
  });
}

function readEmailLinks(raw: unknown, at: string): AppAuthConfig['emailLinks'] {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new Error(`${at} must be an object`);
  const out: AppAuthConfig['emailLinks'] = { verifyUrl: null, resetUrl: null };
  for (const [name, value] of Object.entries(raw)) {
    if (name !== 'verifyUrl' && name !== 'resetUrl') throw new Error(`${at}: unknown field "${name}"`);
    let url: URL | undefined;
    try {
      url = typeof value === 'string' && value.length <= 2048 ? new URL(value) : undefined;
    } catch {
      url = undefined;
    }
    if (!url || (url.protocol !== 'https:' && url.protocol !== 'http:') || url.hash !== '')
      throw new Error(`${at}.${name} must be an http(s) URL without a fragment`);
    out[name] = value as string;
  }
  return out;
}

function bounded(value: unknown, [min, max]: readonly [number, number], at: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < min || (value as number) > max) {
    throw new Error(`${at} must be an integer from ${min} to ${max}`);
  }
  return value as number;
}
