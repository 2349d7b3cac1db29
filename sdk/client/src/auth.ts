// @relaybox/client/auth: end-user sign-in with the RelayBox auth service (docs/client.md).
// A separate entry point, so apps that mint their own tokens do not ship it.
export { AuthRelayBox, type AuthRelayBoxOptions } from './auth/auth-relay-box.js';
export type {
  AuthChangeEvent,
  AuthSession,
  AuthState,
  AuthStateListener,
  AuthStorage,
  AuthUser,
  MfaChallenge,
  MfaEnrollment,
  MfaSecondFactor,
  RelayAuthOptions,
  SignInResult,
} from './auth/auth-types.js';
export { RelayAuth } from './auth/relay-auth.js';
