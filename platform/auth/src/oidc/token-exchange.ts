import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { objectOf, type ProviderHttpLimits, providerFetch, unavailable } from './bounded-fetch.js';

export interface TokenRequest {
  tokenEndpoint: string;
  clientId: string;
  clientSecret: string;
  code: string;
  redirectUri: string;
  codeVerifier: string;
  /** `client_secret_basic` (the OAuth default) or `client_secret_post` (GitHub). */
  authMethod: 'client_secret_basic' | 'client_secret_post';
}

/**
 * The authorization code grant (RFC 6749 §4.1.3 with the PKCE verifier). A refusal by the provider
 * (`invalid_grant`: replayed, expired or foreign code, wrong verifier or redirect URI) is
 * `oauth_code_rejected` with the provider's error code in the message; GitHub answers its refusals
 * with status 200 and an `error` field, which counts the same.
 */
export async function exchangeCode(
  request: TokenRequest,
  limits: ProviderHttpLimits,
): Promise<Record<string, unknown>> {
  const body = new URLSearchParams({
    grant_type: 'authorization_code',
    code: request.code,
    redirect_uri: request.redirectUri,
    code_verifier: request.codeVerifier,
  });
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (request.authMethod === 'client_secret_basic') {
    // RFC 6749 §2.3.1: both parts form-urlencoded before base64.
    const pair = `${formEncode(request.clientId)}:${formEncode(request.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
  } else {
    body.set('client_id', request.clientId);
    body.set('client_secret', request.clientSecret);
  }
  const { status, json } = await providerFetch(
    request.tokenEndpoint,
    { method: 'POST', headers, body },
    limits,
  );
  const answer = objectOf(json);
  if (answer && typeof answer.error === 'string') {
    if (status >= 500) throw unavailable(`the token endpoint answered ${status}`);
    const error = answer.error.slice(0, 64);
    throw new AuthProviderError(
      AuthProviderErrorCode.CodeRejected,
      `the provider refused the authorization code (${error})`,
    );
  }
  if (status !== 200 || !answer || typeof answer.access_token !== 'string') {
    throw unavailable(`the token endpoint answered ${status} without an access token`);
  }
  return answer;
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}
