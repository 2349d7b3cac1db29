// @relaybox/client/auth: end-user sign-in with the RelayBox auth service (docs/auth-providers.md#sdk).
// A separate entry point, so apps that mint their own tokens do not ship it.
export { AuthRelayBox, type AuthRelayBoxOptions } from './auth/auth-relay-box.js';
export {
  type AuthChangeEvent,
  type AuthSession,
  type AuthState,
  type AuthStateListener,
  type AuthStorage,
  type AuthUser,
  RelayAuth,
  type RelayAuthOptions,
} from './auth/relay-auth.js';
