import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';

const MAX_URI = 2048;

/**
 * A redirect URI is allowed only when it is, character for character, an entry of the app's allow
 * list (no prefix, wildcard or normalization: OAuth 2.0 Security BCP §4.1.3), and is an absolute
 * http(s) URL without a fragment (RFC 6749 §3.1.2).
 */
export function checkRedirectUri(redirectUri: string, allowList: readonly string[]): void {
  const refuse = (why: string) =>
    new AuthProviderError(AuthProviderErrorCode.RedirectNotAllowed, `redirect URI refused: ${why}`);
  if (typeof redirectUri !== 'string' || redirectUri.length === 0 || redirectUri.length > MAX_URI) {
    throw refuse(`it must be 1-${MAX_URI} characters`);
  }
  let url: URL;
  try {
    url = new URL(redirectUri);
  } catch {
    throw refuse('it is not an absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw refuse('it must be http(s)');
  if (redirectUri.includes('#')) throw refuse('it must not have a fragment');
  if (!Array.isArray(allowList) || !allowList.includes(redirectUri)) {
    throw refuse("it is not in the app's allow list");
  }
}
