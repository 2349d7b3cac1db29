import { RelayBox, type RelayBoxOptions } from '@relaybox/client';
import { createContext, createElement, type ReactNode, useContext, useEffect, useState } from 'react';
import { sharedLease } from './shared-lease.js';

/** undefined: no provider above; null: a provider rendering on the server. */
const RelayBoxContext = createContext<RelayBox | null | undefined>(undefined);

export type RelayBoxProviderProps =
  | { client: RelayBox; options?: undefined; children?: ReactNode }
  | { options: RelayBoxOptions; client?: undefined; children?: ReactNode };

/** Owned clients: connected while a provider holds them, closed once none does (see `sharedLease`). */
const owned = new WeakMap<RelayBox, ReturnType<typeof sharedLease>>();

function ownedLease(relay: RelayBox) {
  let lease = owned.get(relay);
  if (!lease) {
    lease = sharedLease(
      () => {},
      () => void relay.close(),
    );
    owned.set(relay, lease);
  }
  return lease;
}

/**
 * Gives its subtree a RelayBox client and connects it on mount. With `client` the app owns the
 * client (the provider never closes it); with `options` the provider creates one on first render
 * (later changes of `options` are ignored: change the provider's `key` for a new client) and closes
 * it on unmount. On the server (no `window`) an options provider renders without a client, and every
 * hook returns its initial state, so the same tree renders during SSR.
 */
export function RelayBoxProvider(props: RelayBoxProviderProps) {
  const [created] = useState(() =>
    props.client || typeof window === 'undefined' ? null : new RelayBox(props.options),
  );
  const relay = props.client ?? created;
  useEffect(() => {
    if (!relay) return;
    const drop = relay === created ? ownedLease(relay).hold() : undefined;
    // A refusal or a suspension shows in `useConnectionState`; the client keeps retrying by itself.
    relay.connect().catch(() => {});
    return drop;
  }, [relay, created]);
  return createElement(RelayBoxContext.Provider, { value: relay }, props.children);
}

/** The provider's client; null during server-side rendering. Throws outside a `RelayBoxProvider`. */
export function useRelayBox(): RelayBox | null {
  const relay = useContext(RelayBoxContext);
  if (relay === undefined) {
    throw new Error('useRelayBox: no RelayBoxProvider above this component');
  }
  return relay;
}

/** The provider's client, or undefined without a provider (null during SSR): for hooks that need none. */
export function useOptionalRelayBox(): RelayBox | null | undefined {
  return useContext(RelayBoxContext);
}
