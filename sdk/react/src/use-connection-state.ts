import type { ConnectionState } from '@relaybox/client';
import { useCallback, useSyncExternalStore } from 'react';
import { useRelayBox } from './relay-box-provider.js';

/** The client's connection state, re-rendering on every change ('initialized' during SSR). */
export function useConnectionState(): ConnectionState {
  const relay = useRelayBox();
  const subscribe = useCallback(
    (onChange: () => void) => (relay ? relay.connection.on('statechange', onChange) : () => {}),
    [relay],
  );
  return useSyncExternalStore(
    subscribe,
    () => relay?.connection.state ?? 'initialized',
    () => 'initialized',
  );
}
