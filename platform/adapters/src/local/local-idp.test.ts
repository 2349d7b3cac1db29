import { describe, expect, it } from 'vitest';
import { MAX_IDPS_PER_APP, readIdentityProviders } from './local-idp.js';

const base = {
  id: 'auth0',
  issuer: 'https://tenant.eu.auth0.com/',
  audience: 'https://relay.example.com',
  permissions: { 'chat:*': ['subscribe', 'publish'] },
};
const read = (value: unknown, seen = new Set<string>()) =>
  readIdentityProviders(value, 'app', 'apps[0]', seen);

describe('readIdentityProviders', () => {
  it('applies defaults: RS256, sub as clientId, discovery, a 30 s refresh cooldown', () => {
    expect(read([base])).toEqual([
      {
        ...base,
        appId: 'app',
        jwksUri: undefined,
        algorithms: ['RS256'],
        permissionsClaim: undefined,
        clientIdClaim: 'sub',
        userClaims: { name: undefined, avatar: undefined },
        jwksRefreshCooldownSec: 30,
      },
    ]);
    expect(read(undefined)).toEqual([]);
  });

  it('reads the claim mapping and algorithms', () => {
    const [config] = read([
      {
        ...base,
        algorithms: ['ES256', 'EdDSA'],
        claims: { clientId: 'email', permissions: 'rb', name: 'name' },
      },
    ]);
    expect(config).toMatchObject({
      algorithms: ['ES256', 'EdDSA'],
      clientIdClaim: 'email',
      permissionsClaim: 'rb',
    });
  });

  it.each([
    ['HS256', { ...base, algorithms: ['HS256'] }, /algorithms/],
    ['none', { ...base, algorithms: ['none'] }, /algorithms/],
    ['no permissions', { ...base, permissions: undefined }, /permissions/],
    ['a bad issuer', { ...base, issuer: 'ftp://x' }, /issuer/],
    ['credentials in the JWKS URL', { ...base, jwksUri: 'https://u:p@x/jwks' }, /jwksUri/],
    ['no audience', { ...base, audience: '' }, /audience/],
    ['a zero cooldown', { ...base, jwksRefreshCooldownSec: 0 }, /jwksRefreshCooldownSec/],
  ])('refuses %s', (_name, entry, message) => {
    expect(() => read([entry])).toThrow(message);
  });

  it('refuses duplicates and more than the bounded number of providers', () => {
    expect(() => read([base, { ...base, audience: 'other' }])).toThrow(/duplicate/);
    const seen = new Set<string>();
    read([base], seen);
    expect(() => read([{ ...base, id: 'again' }], seen)).toThrow(/issuer and audience/);
    const many = Array.from({ length: MAX_IDPS_PER_APP + 1 }, (_, i) => ({
      ...base,
      id: `p${i}`,
      audience: `a${i}`,
    }));
    expect(() => read(many)).toThrow(/at most/);
  });
});
