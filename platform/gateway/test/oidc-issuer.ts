import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

/** Resource servers the test provider knows: resource indicator → audience and token lifetime. */
export const RESOURCES = {
  relay: { resource: 'https://relay.test', audience: 'https://relay.test', ttlSec: 300 },
  other: { resource: 'https://other.test', audience: 'https://other.test', ttlSec: 300 },
  long: { resource: 'https://long.test', audience: 'https://relay.test', ttlSec: 3 * 86_400 },
} as const;
export const CLIENT = { id: 'relay-backend', secret: 'relay-backend-secret-0123456789' };

export interface SigningKey {
  kid: string;
  privateJwk: JWK;
  privateKey: CryptoKey;
}

export async function newSigningKey(kid: string): Promise<SigningKey> {
  const { privateKey } = await generateKeyPair('RS256', { extractable: true });
  return { kid, privateKey, privateJwk: { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' } };
}

/**
 * A real OpenID Connect provider (`oidc-provider`) on a random loopback port. It issues JWT access
 * tokens through the client_credentials grant with a resource indicator. `rotate` replaces its
 * signing keys by starting a new Provider behind the same address (so the issuer stays the same).
 */
export class OidcIssuer {
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** How many times the jwks_uri was fetched. */
  jwksFetches = 0;

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
  ) {}

  static async start(key: SigningKey, claims: Record<string, unknown>): Promise<OidcIssuer> {
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/jwks')) issuer.jwksFetches += 1;
      issuer.handler?.(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const issuer = new OidcIssuer(server, `http://127.0.0.1:${port}`);
    issuer.use(key, claims);
    return issuer;
  }

  /** Serve with this signing key from now on (a new `kid` at the jwks_uri). */
  use(key: SigningKey, claims: Record<string, unknown>): void {
    const provider = new Provider(this.issuer, {
      clients: [
        {
          client_id: CLIENT.id,
          client_secret: CLIENT.secret,
          grant_types: ['client_credentials'],
          redirect_uris: [],
          response_types: [],
          token_endpoint_auth_method: 'client_secret_post',
        },
      ],
      jwks: { keys: [key.privateJwk] },
      features: {
        devInteractions: { enabled: false },
        clientCredentials: { enabled: true },
        resourceIndicators: {
          enabled: true,
          getResourceServerInfo: async (_ctx: unknown, indicator: string) => {
            const found = Object.values(RESOURCES).find((r) => r.resource === indicator);
            if (!found) throw new Provider.errors.InvalidTarget();
            return {
              scope: 'relay',
              audience: found.audience,
              accessTokenTTL: found.ttlSec,
              accessTokenFormat: 'jwt',
              jwt: { sign: { alg: 'RS256' } },
            };
          },
        },
      },
      extraTokenClaims: async () => claims,
    });
    this.handler = provider.callback();
  }

  /** A JWT access token from the token endpoint (client_credentials; `sub` is the client id). */
  async token(resource: string): Promise<string> {
    const response = await fetch(`${this.issuer}/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({
        grant_type: 'client_credentials',
        client_id: CLIENT.id,
        client_secret: CLIENT.secret,
        resource,
        scope: 'relay',
      }),
    });
    const body = (await response.json()) as { access_token?: string; error?: string };
    if (!response.ok || !body.access_token) throw new Error(`token endpoint: ${JSON.stringify(body)}`);
    return body.access_token;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
