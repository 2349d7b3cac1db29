import {
  API_KEY_PROTOCOL_PREFIX,
  ErrorCode,
  PROTOCOL,
  RESUME_PROTOCOL_PREFIX,
  RelayBoxError,
  TOKEN_PROTOCOL_PREFIX,
} from '@relaybox/protocol';
import type { Credentials } from './principal.js';

export interface CredentialSources {
  /** `?token=` of the upgrade URL. */
  queryToken: string;
  /** `?clientId=` of the upgrade URL (API-key connections). */
  queryClientId: string;
  /** Raw `Sec-WebSocket-Protocol` header (empty for REST). */
  protocols: string;
  /** Raw `Authorization` header. */
  authorization: string;
}

/**
 * Picks the credentials of a request. Sources, in order: `Sec-WebSocket-Protocol`
 * (`relaybox.token.<jwt>` / `relaybox.apikey.<base64url key>`), `Authorization: Bearer <jwt | API key>`,
 * `?token=<jwt>`. API keys are never read from the URL: URLs end up in logs.
 */
export function extractCredentials(src: CredentialSources): Credentials {
  const clientId = src.queryClientId || undefined;
  for (const raw of src.protocols.split(',')) {
    const protocol = raw.trim();
    if (protocol.startsWith(TOKEN_PROTOCOL_PREFIX)) {
      return { kind: 'token', token: protocol.slice(TOKEN_PROTOCOL_PREFIX.length) };
    }
    if (protocol.startsWith(API_KEY_PROTOCOL_PREFIX)) {
      const apiKey = Buffer.from(protocol.slice(API_KEY_PROTOCOL_PREFIX.length), 'base64url').toString(
        'utf8',
      );
      return withClientId({ kind: 'apiKey', apiKey }, clientId);
    }
  }
  const bearer = /^Bearer\s+(.+)$/i.exec(src.authorization.trim())?.[1];
  if (bearer) {
    return bearer.includes(':')
      ? withClientId({ kind: 'apiKey', apiKey: bearer }, clientId)
      : { kind: 'token', token: bearer };
  }
  if (src.queryToken) return { kind: 'token', token: src.queryToken };
  throw new RelayBoxError(
    ErrorCode.TokenMissing,
    'no credentials: send a token as the "relaybox.token.<jwt>" subprotocol, ?token=, or an Authorization header',
  );
}

function withClientId(
  credentials: Credentials & { kind: 'apiKey' },
  clientId: string | undefined,
): Credentials {
  return clientId === undefined ? credentials : { ...credentials, clientId };
}

/** The subprotocol to answer with: `relaybox.v1` when offered, else none. */
export function selectProtocol(protocols: string): string {
  return protocols.split(',').some((p) => p.trim() === PROTOCOL) ? PROTOCOL : '';
}

/** `relaybox.resume.<connectionId>.<secret>` from the subprotocol list, if offered and well formed. */
export function extractResumeOffer(protocols: string): { connectionId: string; secret: string } | undefined {
  for (const raw of protocols.split(',')) {
    const protocol = raw.trim();
    if (!protocol.startsWith(RESUME_PROTOCOL_PREFIX)) continue;
    const [connectionId, secret, ...rest] = protocol.slice(RESUME_PROTOCOL_PREFIX.length).split('.');
    if (connectionId && secret && rest.length === 0) return { connectionId, secret };
  }
  return undefined;
}
