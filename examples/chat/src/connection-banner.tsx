import { useConnectionState, useRelayBox } from '@relaybox/react';

/** Says when the connection is not there; nothing while connected. */
export function ConnectionBanner() {
  const state = useConnectionState();
  const relay = useRelayBox();
  let text: string | undefined;
  if (state === 'initialized' || state === 'connecting') text = 'Connecting…';
  if (state === 'disconnected' || state === 'suspended') text = 'Connection lost. Reconnecting…';
  if (state === 'failed') text = `Could not connect: ${relay?.connection.errorReason?.message ?? 'refused'}`;
  if (!text) return null;
  return (
    <div className={`banner ${state}`} role="status">
      {text}
    </div>
  );
}
