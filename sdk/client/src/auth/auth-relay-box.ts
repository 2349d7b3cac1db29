import { RelayBox } from '../relay-box.js';
import type { RelayBoxOptions } from '../relay-box-options.js';
import type { RelayAuthOptions } from './auth-types.js';
import { RelayAuth } from './relay-auth.js';

export interface AuthRelayBoxOptions
  extends Omit<RelayBoxOptions, 'token' | 'getToken' | 'authEndpoint' | 'apiKey' | 'clientId'> {
  /** The app whose users sign in. */
  appId: string;
  /** The auth service's origin when it is not the first `url`. */
  authUrl?: string;
  storage?: RelayAuthOptions['storage'];
}

/**
 * A RelayBox whose connection is authenticated as the signed-in user: `relay.auth` signs in and
 * out, and the connection takes the session's access token (the user id is the clientId), renewed
 * in band before expiry without reconnecting. Signing out closes the connection.
 */
export class AuthRelayBox extends RelayBox {
  readonly auth: RelayAuth;

  constructor(options: AuthRelayBoxOptions) {
    const { appId, authUrl, storage, ...relayOptions } = options;
    const first = typeof options.url === 'string' ? options.url : options.url?.[0];
    const auth = new RelayAuth({
      url: authUrl ?? first ?? '',
      appId,
      ...(storage ? { storage } : {}),
      ...(options.fetch ? { fetch: options.fetch } : {}),
      ...(options.requestTimeoutMs ? { requestTimeoutMs: options.requestTimeoutMs } : {}),
    });
    super({ ...relayOptions, getToken: () => auth.getAccessToken() });
    this.auth = auth;
    auth.onAuthStateChange((event) => {
      if (event === 'SIGNED_OUT') void this.close();
    });
  }
}
