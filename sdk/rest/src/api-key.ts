import { ErrorCode, RelayBoxError } from '@relaybox/protocol';

export interface ApiKey {
  appId: string;
  keyId: string;
  secret: string;
  /** `<appId>.<keyId>`: the `kid` of the tokens this key signs. */
  kid: string;
}

/**
 * Splits `<appId>.<keyId>:<secret>` the way the gateway does: the appId ends at the first `.`, the
 * secret starts after the first `:`. Throws RelayBoxError 'invalid_options' for any other shape.
 */
export function parseApiKey(apiKey: unknown): ApiKey {
  const invalid = new RelayBoxError(
    ErrorCode.InvalidOptions,
    'apiKey must look like <appId>.<keyId>:<secret>',
  );
  if (typeof apiKey !== 'string') throw invalid;
  const colon = apiKey.indexOf(':');
  const name = apiKey.slice(0, Math.max(colon, 0));
  const secret = apiKey.slice(colon + 1);
  const dot = name.indexOf('.');
  if (colon < 0 || dot <= 0 || dot === name.length - 1 || secret.length === 0) throw invalid;
  return { appId: name.slice(0, dot), keyId: name.slice(dot + 1), secret, kid: name };
}
