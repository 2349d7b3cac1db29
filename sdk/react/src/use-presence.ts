import type { PresenceEvent, PresenceMember, RelayBoxError, Room } from '@relaybox/client';
import { useCallback, useEffect, useRef, useState } from 'react';
import { notJoinedYet } from './not-joined.js';
import { presenceLease } from './presence-lease.js';
import { useRelayBox } from './relay-box-provider.js';

export interface PresenceState {
  /** Every member of the room's presence set (one per connection), this one included once entered. */
  members: PresenceMember[];
  /** Replaces this connection's presence data (and the data a re-enter uses). */
  update(data: unknown): Promise<void>;
  /** Why entering was refused. */
  error: RelayBoxError | undefined;
}

function apply(members: Map<string, PresenceMember>, { action, member }: PresenceEvent): void {
  if (action === 'leave') members.delete(member.connectionId);
  else members.set(member.connectionId, member);
}

/**
 * Enters `room`'s presence set with `data` while mounted (components of one client share one
 * membership; StrictMode's double effects never leave and enter again) and keeps `members` current:
 * read with `presence.get()` on mount and after every reconnect, then followed by its events.
 * `data` is read when entering; later changes go through `update`.
 */
export function usePresence(room: Room | undefined, data?: unknown): PresenceState {
  const relay = useRelayBox();
  const [members, setMembers] = useState<PresenceMember[]>([]);
  const [error, setError] = useState<RelayBoxError>();
  const initial = useRef(data);
  initial.current = data;
  useEffect(() => {
    setMembers([]);
    setError(undefined);
    if (!relay || !room?.joined) return;
    let active = true;
    const byConnection = new Map<string, PresenceMember>();
    /** Events seen while a `get` is in flight, replayed onto its answer. */
    let seen: PresenceEvent[] | undefined;
    const show = () => active && setMembers([...byConnection.values()]);
    const offEvents = room.presence.subscribe((event) => {
      seen?.push(event);
      apply(byConnection, event);
      show();
    });
    const refresh = () => {
      const during: PresenceEvent[] = [];
      seen = during;
      room.presence.get().then(
        (list) => {
          if (seen !== during) return;
          seen = undefined;
          byConnection.clear();
          for (const member of list) byConnection.set(member.connectionId, member);
          for (const event of during) apply(byConnection, event);
          show();
        },
        () => {
          if (seen === during) seen = undefined;
        },
      );
    };
    const offState = relay.connection.on('statechange', ({ current }) => {
      if (current === 'connected') refresh();
    });
    const lease = presenceLease(relay, room);
    lease.data = initial.current;
    lease.onError = (e) => active && setError(e);
    const drop = lease.lease.hold();
    refresh();
    return () => {
      active = false;
      offState();
      drop();
      setTimeout(offEvents, 0); // see useMessages
    };
  }, [relay, room]);
  const update = useCallback(
    (next: unknown) => {
      if (!relay || !room) {
        return Promise.reject(notJoinedYet());
      }
      presenceLease(relay, room).data = next;
      return room.presence.update(next);
    },
    [relay, room],
  );
  return { members, update, error };
}
