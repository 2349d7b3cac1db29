import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import Provider from 'oidc-provider';

export interface TestClient {
  id: string;
  secret: string;
  redirectUris: string[];
}

export interface TestOidcProviderOptions {
  clients: TestClient[];
  /**
   * true: scope claims (email, name, picture) in the id_token too (as Google does); false (the
   * default, OIDC Core §5.4): only at the userinfo endpoint for the code flow.
   */
  claimsInIdToken?: boolean;
}

/** The claims every account of the test provider has: derived from the login typed at sign-in. */
export function accountClaims(login: string) {
  return {
    sub: login,
    email: `${login}@example.test`,
    email_verified: true,
    name: `User ${login}`,
    picture: `https://example.test/${login}.png`,
  };
}

/**
 * A real OpenID Connect provider (`oidc-provider` from npm) on a random loopback port, with its
 * development login and consent pages (any login, any password). `signIn` walks those pages over real
 * HTTP with a cookie jar; a browser test can instead open the authorization URL in Chromium and fill
 * the `login`/`password` form. `rotateKeys` serves a new signing key (new `kid`) at the same issuer.
 */
export class TestOidcProvider {
  private handler: ((req: IncomingMessage, res: ServerResponse) => void) | undefined;
  /** How many times the jwks_uri was fetched. */
  jwksFetches = 0;
  /** The `kid` the provider signs with now. */
  kid = '';

  private constructor(
    private readonly server: Server,
    readonly issuer: string,
    private readonly options: TestOidcProviderOptions,
  ) {}

  static async start(options: TestOidcProviderOptions): Promise<TestOidcProvider> {
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/jwks')) provider.jwksFetches += 1;
      provider.handler?.(req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const provider = new TestOidcProvider(server, `http://127.0.0.1:${port}`, options);
    await provider.rotateKeys();
    return provider;
  }

  /**
   * Sign with a new RS256 key from now on. A new Provider takes over the address, so the issuer stays
   * the same; sign-ins in progress at rotation time are lost.
   */
  async rotateKeys(): Promise<void> {
    const kid = `key-${Date.now().toString(36)}-${Math.random().toString(36).slice(2, 6)}`;
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const jwk: JWK = { ...(await exportJWK(privateKey)), kid, alg: 'RS256', use: 'sig' };
    const provider = new Provider(this.issuer, {
      clients: this.options.clients.map((c) => ({
        client_id: c.id,
        client_secret: c.secret,
        redirect_uris: c.redirectUris,
        grant_types: ['authorization_code'],
        response_types: ['code'],
        token_endpoint_auth_method: 'client_secret_basic',
      })),
      jwks: { keys: [jwk] },
      cookies: { keys: ['relaybox-test-cookie-key'] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'picture'] },
      conformIdTokenClaims: !this.options.claimsInIdToken,
      findAccount: async (_ctx: unknown, id: string) => ({
        accountId: id,
        claims: async () => accountClaims(id),
      }),
      features: { devInteractions: { enabled: true } },
      pkce: { required: () => true },
      ttl: {
        Interaction: 600,
        Session: 3600,
        Grant: 3600,
        AccessToken: 600,
        IdToken: 600,
        AuthorizationCode: 60,
      },
    });
    this.handler = provider.callback();
    this.kid = kid;
  }

  /**
   * Walks the provider's login and consent pages for `login`, starting from an authorization URL, and
   * returns the URL the provider redirects the browser to (the app's redirect URI with `code`, `state`
   * and `iss`, or with `error`). The redirect URI itself is not fetched.
   */
  async signIn(authorizationUrl: string, login: string): Promise<URL> {
    const jar = new Map<string, string>();
    let next: { url: string; method: 'GET' | 'POST'; body?: URLSearchParams } = {
      url: authorizationUrl,
      method: 'GET',
    };
    for (let step = 0; step < 12; step += 1) {
      const response = await fetch(next.url, {
        method: next.method,
        redirect: 'manual',
        body: next.body,
        headers: {
          cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '),
          ...(next.body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        },
      });
      for (const line of response.headers.getSetCookie()) {
        const [pair = ''] = line.split(';');
        const eq = pair.indexOf('=');
        const name = pair.slice(0, eq).trim();
        const value = pair.slice(eq + 1).trim();
        if (!value || /max-age=0|expires=thu, 01 jan 1970/i.test(line)) jar.delete(name);
        else jar.set(name, value);
      }
      const location = response.headers.get('location');
      if (location) {
        const target = new URL(location, next.url);
        if (target.origin !== this.issuer) return target;
        next = { url: target.toString(), method: 'GET' };
        continue;
      }
      const html = await response.text();
      const action = /<form[^>]*action="([^"]+)"/.exec(html)?.[1];
      const prompt = /name="prompt" value="([a-z]+)"/.exec(html)?.[1];
      if (response.status !== 200 || !action || !prompt) {
        throw new Error(`provider page ${next.url} answered ${response.status}: ${html.slice(0, 300)}`);
      }
      const body = new URLSearchParams({ prompt });
      if (prompt === 'login') {
        body.set('login', login);
        body.set('password', 'any-password');
      }
      next = { url: new URL(action.replace(/&amp;/g, '&'), next.url).toString(), method: 'POST', body };
    }
    throw new Error('the provider did not redirect back within 12 steps');
  }

  close(): Promise<void> {
    this.server.closeAllConnections();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}
