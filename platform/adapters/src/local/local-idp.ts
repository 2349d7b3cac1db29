import { IDP_ALGORITHMS, type IdentityProviderConfig, type IdpAlgorithm } from '@relaybox/core';
import { type PermissionMap, validatePermissionMap } from '@relaybox/protocol';

const ID = /^[A-Za-z0-9_-]{1,64}$/;
const CLAIM = /^[\x21-\x7e]{1,200}$/;
/** Most identity providers per app: each holds a cached key set, so the count is bounded. */
export const MAX_IDPS_PER_APP = 8;
const DEFAULT_COOLDOWN_SEC = 30;

/**
 * Parses `identityProviders` of one app of the apps file (docs/identity-providers.md). Throws an
 * Error naming the place of the first problem. (issuer, audience) pairs must be unique across apps,
 * since a token is routed to its provider by those claims: `seen` collects them.
 */
export function readIdentityProviders(
  value: unknown,
  appId: string,
  where: string,
  seen: Set<string>,
): IdentityProviderConfig[] {
  if (value === undefined) return [];
  if (!Array.isArray(value) || value.length > MAX_IDPS_PER_APP)
    throw new Error(`${where}.identityProviders must be an array of at most ${MAX_IDPS_PER_APP}`);
  const ids = new Set<string>();
  return value.map((raw, i) => {
    const at = `${where}.identityProviders[${i}]`;
    const config = readOne((raw ?? {}) as Record<string, unknown>, appId, at);
    if (ids.has(config.id)) throw new Error(`${at}.id: duplicate "${config.id}"`);
    ids.add(config.id);
    const pair = `${config.issuer}\u0000${config.audience}`;
    if (seen.has(pair)) throw new Error(`${at}: another provider already has this issuer and audience`);
    seen.add(pair);
    return config;
  });
}

function readOne(raw: Record<string, unknown>, appId: string, at: string): IdentityProviderConfig {
  const { id, issuer, audience, jwksUri, permissions } = raw;
  if (typeof id !== 'string' || !ID.test(id)) throw new Error(`${at}.id must match ${ID}`);
  const issuerProblem = urlProblem(issuer);
  if (issuerProblem) throw new Error(`${at}.issuer ${issuerProblem}`);
  if (typeof audience !== 'string' || audience.length === 0 || audience.length > 500)
    throw new Error(`${at}.audience must be a string of 1-500 characters`);
  const jwksProblem = jwksUri === undefined ? null : urlProblem(jwksUri);
  if (jwksProblem) throw new Error(`${at}.jwksUri ${jwksProblem}`);
  const problem = validatePermissionMap(permissions);
  if (problem) throw new Error(`${at}.permissions (the policy for its users, required): ${problem}`);
  const mapping = (raw.claims ?? {}) as Record<string, unknown>;
  const cooldown = raw.jwksRefreshCooldownSec ?? DEFAULT_COOLDOWN_SEC;
  if (typeof cooldown !== 'number' || !Number.isInteger(cooldown) || cooldown < 1 || cooldown > 3600)
    throw new Error(`${at}.jwksRefreshCooldownSec must be an integer of 1-3600`);
  return {
    appId,
    id,
    issuer: issuer as string,
    audience,
    jwksUri: jwksUri as string | undefined,
    algorithms: readAlgorithms(raw.algorithms, at),
    permissions: permissions as PermissionMap,
    permissionsClaim: claim(mapping.permissions, `${at}.claims.permissions`),
    clientIdClaim: claim(mapping.clientId, `${at}.claims.clientId`) ?? 'sub',
    userClaims: {
      name: claim(mapping.name, `${at}.claims.name`),
      avatar: claim(mapping.avatar, `${at}.claims.avatar`),
    },
    jwksRefreshCooldownSec: cooldown,
  };
}

function readAlgorithms(value: unknown, at: string): IdpAlgorithm[] {
  if (value === undefined) return ['RS256'];
  const allowed: readonly string[] = IDP_ALGORITHMS;
  if (!Array.isArray(value) || value.length === 0 || value.some((a) => !allowed.includes(a)))
    throw new Error(`${at}.algorithms must be a non-empty list of ${IDP_ALGORITHMS.join(', ')}`);
  return [...new Set(value as IdpAlgorithm[])];
}

function claim(value: unknown, at: string): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !CLAIM.test(value)) throw new Error(`${at} must be a claim name`);
  return value;
}

function urlProblem(url: unknown): string | null {
  if (typeof url !== 'string') return 'must be a string';
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `is not a valid URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:')
    return 'must be an http:// or https:// URL';
  if (parsed.username || parsed.password) return 'must not contain credentials';
  return null;
}
