import { ErrorCode, RelayBoxError } from '@relaybox/protocol';
import {
  createLocalJWKSet,
  type FlattenedJWSInput,
  type JSONWebKeySet,
  type JWSHeaderParameters,
  errors as joseErrors,
} from 'jose';

/** Bounds of every fetch from an IdP (discovery document and JWKS). */
export interface JwksLimits {
  timeoutMs: number;
  /** Largest accepted response body. */
  maxBytes: number;
  /** Most keys kept from one JWKS (the rest are dropped). */
  maxKeys: number;
  /** A key set older than this is fetched again on use (kept when that fetch fails). */
  maxAgeMs: number;
}

export const DEFAULT_JWKS_LIMITS: JwksLimits = {
  timeoutMs: 5_000,
  maxBytes: 64 * 1024,
  maxKeys: 32,
  maxAgeMs: 10 * 60_000,
};

type KeyGetter = ReturnType<typeof createLocalJWKSet>;
type VerifyKey = Awaited<ReturnType<KeyGetter>>;

/**
 * The signing keys of one IdP. Fetched on first use; fetched again when a token names an unknown
 * `kid`, at most once per `cooldownMs` (a stream of tokens with random kids cannot make the gateway
 * hammer the IdP), and when older than `maxAgeMs`. Concurrent refreshes share one fetch.
 */
export class JwksSource {
  private keys: KeyGetter | undefined;
  private fetchedAt = Number.NEGATIVE_INFINITY;
  private inflight: Promise<void> | undefined;

  constructor(
    private readonly issuer: string,
    private readonly jwksUri: string | undefined,
    private readonly cooldownMs: number,
    private readonly limits: JwksLimits = DEFAULT_JWKS_LIMITS,
  ) {}

  /** The key of a token header (for `jwtVerify`); `key_unknown` when the kid stays unknown. */
  async getKey(header: JWSHeaderParameters, token: FlattenedJWSInput): Promise<VerifyKey> {
    const elapsed = Date.now() - this.fetchedAt;
    if (!this.keys) {
      // An IdP that failed to answer is not asked again per token, only once per cooldown.
      if (!this.inflight && elapsed < this.cooldownMs) throw unavailable();
      await this.refresh(true);
    } else if (elapsed > this.limits.maxAgeMs) await this.refresh(false);
    try {
      return await (this.keys as KeyGetter)(header, token);
    } catch (error) {
      if (!(error instanceof joseErrors.JWKSNoMatchingKey)) throw error;
      if (Date.now() - this.fetchedAt >= this.cooldownMs) {
        await this.refresh(true);
        try {
          return await (this.keys as KeyGetter)(header, token);
        } catch (again) {
          if (!(again instanceof joseErrors.JWKSNoMatchingKey)) throw again;
        }
      }
      throw new RelayBoxError(
        ErrorCode.KeyUnknown,
        `the identity provider has no key "${String(header.kid)}" for ${String(header.alg)}`,
      );
    }
  }

  private async refresh(required: boolean): Promise<void> {
    this.inflight ??= this.load().finally(() => {
      this.inflight = undefined;
    });
    try {
      await this.inflight;
    } catch (error) {
      if (required && !this.keys) throw error;
    }
  }

  private async load(): Promise<void> {
    // A failed fetch also counts against the cooldown: an unreachable IdP is not retried per token.
    this.fetchedAt = Date.now();
    try {
      const uri = this.jwksUri ?? (await this.discover());
      const set = (await fetchJson(uri, this.limits)) as JSONWebKeySet;
      if (!set || !Array.isArray(set.keys)) throw new Error('not a JWKS');
      this.keys = createLocalJWKSet({ keys: set.keys.slice(0, this.limits.maxKeys) });
    } catch (error) {
      throw unavailable(error);
    }
  }

  private async discover(): Promise<string> {
    const url = `${this.issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const doc = (await fetchJson(url, this.limits)) as { issuer?: unknown; jwks_uri?: unknown };
    // OpenID Connect Discovery §4.3: the document must name the issuer it was fetched for.
    if (doc?.issuer !== this.issuer) throw new Error('discovery document names another issuer');
    if (typeof doc.jwks_uri !== 'string') throw new Error('discovery document has no jwks_uri');
    return doc.jwks_uri;
  }
}

function unavailable(cause?: unknown): RelayBoxError {
  return new RelayBoxError(
    ErrorCode.StoreUnavailable,
    'the identity provider keys cannot be fetched; retry later',
    cause === undefined ? undefined : { cause },
  );
}

/** GET a JSON document within the time and size bounds. */
async function fetchJson(url: string, limits: JwksLimits): Promise<unknown> {
  const response = await fetch(url, {
    signal: AbortSignal.timeout(limits.timeoutMs),
    redirect: 'error',
    headers: { accept: 'application/json' },
  });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = response.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limits.maxBytes) {
      await reader.cancel();
      throw new Error(`${url} is larger than ${limits.maxBytes} bytes`);
    }
    chunks.push(value);
  }
  return JSON.parse(Buffer.concat(chunks).toString('utf8'));
}
