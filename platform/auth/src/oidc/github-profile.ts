import { AuthProviderError, AuthProviderErrorCode } from '../auth-provider-error.js';
import { objectOf, type ProviderHttpLimits, providerFetch, unavailable } from './bounded-fetch.js';
import type { OAuthIdentity } from './oauth-client.js';

/**
 * The signed-in GitHub user: `/user` for the numeric id (the subject: logins can be renamed), name and
 * avatar, `/user/emails` for the primary address and whether GitHub verified it (the `email` of
 * `/user` is only the public one, often null).
 */
export async function githubIdentity(
  api: string,
  issuer: string,
  accessToken: string,
  limits: ProviderHttpLimits,
): Promise<OAuthIdentity> {
  const headers = { authorization: `Bearer ${accessToken}`, accept: 'application/vnd.github+json' };
  const user = await get(`${api}/user`, headers, limits);
  const id = user.id;
  if (typeof id !== 'number' && typeof id !== 'string') {
    throw new AuthProviderError(AuthProviderErrorCode.ProfileInvalid, 'GitHub returned a user without an id');
  }
  const emails = await providerFetch(`${api}/user/emails`, { headers }, limits);
  const list = emails.status === 200 && Array.isArray(emails.json) ? emails.json : [];
  const primary = list.map(objectOf).find((e) => e?.primary === true && typeof e.email === 'string');
  const name = typeof user.name === 'string' && user.name ? user.name : user.login;
  return {
    subject: String(id),
    email: (primary?.email as string | undefined) ?? null,
    emailVerified: primary?.verified === true,
    name: typeof name === 'string' ? name : null,
    picture: typeof user.avatar_url === 'string' ? user.avatar_url : null,
    issuer,
  };
}

async function get(
  url: string,
  headers: Record<string, string>,
  limits: ProviderHttpLimits,
): Promise<Record<string, unknown>> {
  const { status, json } = await providerFetch(url, { headers }, limits);
  const body = objectOf(json);
  if (status === 401 || status === 403) {
    throw new AuthProviderError(
      AuthProviderErrorCode.CodeRejected,
      `GitHub refused the access token (${status})`,
    );
  }
  if (status !== 200 || !body) throw unavailable(`${url} answered ${status}`);
  return body;
}
