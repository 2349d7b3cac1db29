import { objectOf, type ProviderHttpLimits, providerFetch, unavailable } from './bounded-fetch.js';

/** The parts of an OpenID Provider's metadata the client uses (OpenID Connect Discovery 1.0 §3). */
export interface OidcMetadata {
  issuer: string;
  authorization_endpoint: string;
  token_endpoint: string;
  jwks_uri: string;
  userinfo_endpoint?: string;
  token_endpoint_auth_methods_supported?: string[];
  id_token_signing_alg_values_supported?: string[];
  code_challenge_methods_supported?: string[];
  /** RFC 9207: the provider adds `iss` to its authorization responses. */
  authorization_response_iss_parameter_supported?: boolean;
}

interface Entry {
  metadata: OidcMetadata;
  fetchedAt: number;
}

/**
 * Discovery documents by issuer, cached for `ttlMs`; concurrent look-ups of one issuer share one
 * fetch; a failed fetch is not cached (the next sign-in asks again) but a stale entry is served while
 * the provider is unreachable. At most `maxEntries` issuers are kept (oldest dropped).
 */
export class OidcDiscovery {
  private readonly cache = new Map<string, Entry>();
  private readonly inflight = new Map<string, Promise<OidcMetadata>>();

  constructor(
    private readonly limits: ProviderHttpLimits,
    private readonly ttlMs = 60 * 60_000,
    private readonly maxEntries = 1_000,
  ) {}

  async metadata(issuer: string): Promise<OidcMetadata> {
    const entry = this.cache.get(issuer);
    if (entry && Date.now() - entry.fetchedAt < this.ttlMs) return entry.metadata;
    let pending = this.inflight.get(issuer);
    if (!pending) {
      pending = this.load(issuer).finally(() => this.inflight.delete(issuer));
      this.inflight.set(issuer, pending);
    }
    try {
      return await pending;
    } catch (error) {
      if (entry) return entry.metadata;
      throw error;
    }
  }

  private async load(issuer: string): Promise<OidcMetadata> {
    const url = `${issuer.replace(/\/$/, '')}/.well-known/openid-configuration`;
    const { status, json } = await providerFetch(url, { method: 'GET' }, this.limits);
    const doc = objectOf(json);
    if (status !== 200 || !doc) throw unavailable(`${url} answered ${status} without a JSON document`);
    // Discovery §4.3: the document must name the issuer it was fetched for (no mix-up).
    if (doc.issuer !== issuer) throw unavailable(`${url} names another issuer (${String(doc.issuer)})`);
    for (const field of ['authorization_endpoint', 'token_endpoint', 'jwks_uri'] as const) {
      if (typeof doc[field] !== 'string' || !/^https?:\/\//.test(doc[field] as string)) {
        throw unavailable(`${url} has no usable ${field}`);
      }
    }
    const metadata = doc as unknown as OidcMetadata;
    if (
      Array.isArray(metadata.code_challenge_methods_supported) &&
      !metadata.code_challenge_methods_supported.includes('S256')
    ) {
      throw unavailable(`${issuer} does not support PKCE S256`);
    }
    this.cache.delete(issuer);
    if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value as string);
    this.cache.set(issuer, { metadata, fetchedAt: Date.now() });
    return metadata;
  }
}
