import {
  API_KEY_PROTOCOL_PREFIX,
  ErrorCode,
  PROTOCOL,
  RelayBoxError,
  TOKEN_PROTOCOL_PREFIX,
} from '@relaybox/protocol';
import { encodeBase64Url } from './base64-url.js';
import { jwtExpiry } from './jwt-expiry.js';
import { type Credential, PROTOCOL_TOKEN, type TokenResult } from './relay-box-options.js';
import { toRelayBoxError } from './to-relay-box-error.js';
import { withTimeout } from './with-timeout.js';

/** What an upgrade carries: the subprotocol list and extra query parameters (never a secret). */
export interface UpgradeCredentials {
  protocols: string[];
  query: Record<string, string>;
}

/** A cached token is renewed before (re)connecting when it expires within this margin. */
export const STALE_TOKEN_MARGIN_MS = 30_000;

interface CurrentToken {
  token: string;
  /** Local-clock expiry; undefined when neither the JWT nor the server told us. */
  expiresAt: number | undefined;
}

/**
 * Holds the connection's credential. Tokens from `getToken`/`authEndpoint` are cached and renewed
 * on demand; a static `token` is used as is; an API key never expires. Every call settles within
 * `timeoutMs`; failures are RelayBoxErrors (a foreign error from `getToken` becomes
 * 'auth_endpoint_failed' with it as `cause`).
 */
export class AuthProvider {
  private current: CurrentToken | undefined;

  constructor(
    private readonly credential: Credential,
    private readonly clientId: string | undefined,
    private readonly timeoutMs: number,
  ) {
    if (credential.kind === 'token') {
      this.current = { token: credential.token, expiresAt: jwtExpiry(credential.token, Date.now()) };
    }
  }

  /** True when a new token can be obtained (getToken, authEndpoint). */
  get renewable(): boolean {
    return this.credential.kind === 'getToken' || this.credential.kind === 'authEndpoint';
  }

  /** Expiry of the current token on the local clock, if known. */
  get expiresAt(): number | undefined {
    return this.current?.expiresAt;
  }

  /** Records an expiry reported by the server, for tokens whose own `exp` could not be read. */
  noteServerExpiry(expiresAt: number | undefined): void {
    if (this.current && this.current.expiresAt === undefined && typeof expiresAt === 'number') {
      this.current.expiresAt = expiresAt;
    }
  }

  /** Credentials for the next upgrade; renews the token first when it is missing or about to expire. */
  async upgradeCredentials(): Promise<UpgradeCredentials> {
    const { credential } = this;
    if (credential.kind === 'apiKey') {
      const key = encodeBase64Url(new TextEncoder().encode(credential.apiKey));
      return {
        protocols: [PROTOCOL, `${API_KEY_PROTOCOL_PREFIX}${key}`],
        query: this.clientId === undefined ? {} : { clientId: this.clientId },
      };
    }
    const current = this.current;
    const stale =
      current === undefined ||
      (current.expiresAt !== undefined && current.expiresAt - Date.now() <= STALE_TOKEN_MARGIN_MS);
    if (stale && this.renewable) return this.tokenCredentials(await this.renew());
    // A static token is offered even when it looks expired: the server's clock decides.
    return this.tokenCredentials(current!.token);
  }

  private tokenCredentials(token: string): UpgradeCredentials {
    return { protocols: [PROTOCOL, `${TOKEN_PROTOCOL_PREFIX}${token}`], query: {} };
  }

  /** Obtains a new token and makes it current. Only for renewable credentials. */
  async renew(): Promise<string> {
    const token = await withTimeout((signal) => this.obtain(signal), this.timeoutMs, 'obtaining a token');
    if (!PROTOCOL_TOKEN.test(token)) {
      throw new RelayBoxError(ErrorCode.AuthEndpointFailed, 'the token obtained is not a JWT');
    }
    this.current = { token, expiresAt: jwtExpiry(token, Date.now()) };
    return token;
  }

  private async obtain(signal: AbortSignal): Promise<string> {
    const { credential } = this;
    if (credential.kind === 'getToken') {
      let result: TokenResult;
      try {
        result = await credential.getToken({ clientId: this.clientId });
      } catch (error) {
        throw toRelayBoxError(error, ErrorCode.AuthEndpointFailed, 'getToken failed');
      }
      const token = typeof result === 'string' ? result : result?.token;
      if (typeof token !== 'string' || token === '') {
        throw new RelayBoxError(ErrorCode.AuthEndpointFailed, 'getToken returned no token');
      }
      return token.trim();
    }
    if (credential.kind === 'authEndpoint') return this.fetchFromEndpoint(credential, signal);
    throw new RelayBoxError(ErrorCode.InvalidOptions, `a ${credential.kind} credential cannot be renewed`);
  }

  private async fetchFromEndpoint(
    credential: Extract<Credential, { kind: 'authEndpoint' }>,
    signal: AbortSignal,
  ): Promise<string> {
    let response: Response;
    let body: string;
    try {
      response = await credential.fetch(credential.authEndpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json, text/plain' },
        body: JSON.stringify({ clientId: this.clientId }),
        credentials: 'include',
        signal,
      });
      body = await response.text();
    } catch (error) {
      if (signal.aborted) throw signal.reason;
      throw toRelayBoxError(error, ErrorCode.NetworkError, 'auth endpoint unreachable');
    }
    if (!response.ok) {
      throw new RelayBoxError(ErrorCode.AuthEndpointFailed, `auth endpoint answered HTTP ${response.status}`);
    }
    return tokenFromBody(body);
  }
}

/** An auth endpoint answers `{"token": "<jwt>"}` or the JWT itself as text. */
function tokenFromBody(body: string): string {
  const text = body.trim();
  if (text.startsWith('{')) {
    try {
      const token = (JSON.parse(text) as { token?: unknown }).token;
      if (typeof token === 'string' && token !== '') return token.trim();
    } catch {
      // Not JSON after all: fall through to the error.
    }
  } else if (text !== '') {
    return text;
  }
  throw new RelayBoxError(ErrorCode.AuthEndpointFailed, 'auth endpoint answered without a token');
}
