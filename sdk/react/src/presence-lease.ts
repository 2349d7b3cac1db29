import { ErrorCode, type RelayBox, type RelayBoxError, type Room } from '@relaybox/client';
import { type SharedLease, sharedLease } from './shared-lease.js';

/**
 * This connection's membership of a room's presence set, shared by every `usePresence` of the room
 * (membership is per connection): entered when the first one mounts, left when the last one has gone.
 */
export interface PresenceLease {
  lease: SharedLease;
  /** The data to enter with: the latest the holders asked for. */
  data: unknown;
  /** A refused enter (one cut off by a drop is retried on the next 'connected'). */
  onError: ((error: RelayBoxError) => void) | undefined;
}

const leases = new WeakMap<Room, PresenceLease>();

export function presenceLease(relay: RelayBox, room: Room): PresenceLease {
  const existing = leases.get(room);
  if (existing) return existing;
  let wanted = false;
  let offRetry: (() => void) | undefined;
  const enter = (): void => {
    if (!wanted || !room.joined) return;
    room.presence.enter(created.data).catch((error: RelayBoxError) => {
      if (error.code !== ErrorCode.ConnectionClosed) return created.onError?.(error);
      // Not entered: the client restores only what the server acknowledged, so enter again.
      offRetry ??= relay.connection.on('statechange', ({ current }) => {
        if (current !== 'connected') return;
        offRetry?.();
        offRetry = undefined;
        enter();
      });
    });
  };
  const created: PresenceLease = {
    data: undefined,
    onError: undefined,
    lease: sharedLease(
      () => {
        wanted = true;
        enter();
      },
      () => {
        wanted = false;
        offRetry?.();
        offRetry = undefined;
        // A room that was left meanwhile left its presence set too.
        if (room.joined) room.presence.leave().catch(() => {});
      },
    ),
  };
  leases.set(room, created);
  return created;
}
