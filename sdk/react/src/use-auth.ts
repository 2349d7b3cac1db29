import type { AuthSession, AuthUser, RelayAuth } from '@relaybox/client/auth';
import { useCallback, useSyncExternalStore } from 'react';
import { useOptionalRelayBox } from './relay-box-provider.js';

export interface AuthHookState {
  /** The signed-in user, or null (also during SSR and before `auth` exists). */
  user: AuthUser | null;
  session: AuthSession | null;
  /** The `RelayAuth` in use, for `signIn`, `signUp`, `signOut`, `getUser`... */
  auth: RelayAuth | null;
}

/**
 * The end user's sign-in state, re-rendering on every sign-in, sign-out, token refresh and user
 * update. Takes `auth`, or the `auth` of the provider's client when it is an `AuthRelayBox`
 * (`@relaybox/client/auth`).
 */
export function useAuth(auth?: RelayAuth): AuthHookState {
  const relay = useOptionalRelayBox();
  const current = auth ?? (relay as { auth?: RelayAuth } | null | undefined)?.auth ?? null;
  const subscribe = useCallback(
    (onChange: () => void) => (current ? current.onAuthStateChange(onChange) : () => {}),
    [current],
  );
  const user = useSyncExternalStore(
    subscribe,
    () => current?.user ?? null,
    () => null,
  );
  const session = useSyncExternalStore(
    subscribe,
    () => current?.session ?? null,
    () => null,
  );
  return { user, session, auth: current };
}
