import { useEffect, useState } from 'react';
import { useRelayBox } from './relay-box-provider.js';
import { type RoomState, roomRegistry } from './room-registry.js';

const NOT_JOINED: RoomState = { room: undefined, error: undefined };

/**
 * Joins room `name` while the component is mounted: `room` is undefined until the server
 * acknowledged the join (which waits for the connection). Components of one client share the join:
 * the room is joined once and left when the last of them unmounts (StrictMode's double effects
 * neither leave nor join again).
 */
export function useRoom(name: string): RoomState {
  const relay = useRelayBox();
  // A room other components hold already is there from the first render.
  const [state, setState] = useState<RoomState & { name?: string }>(() => ({
    ...((relay && roomRegistry(relay).peek(name)) || NOT_JOINED),
    name,
  }));
  useEffect(() => {
    if (!relay) return;
    const drop = roomRegistry(relay).hold(name, (next) => setState({ ...next, name }));
    return () => {
      drop();
      setState(NOT_JOINED);
    };
  }, [relay, name]);
  // Right after `name` changed, until the effect ran: never hand out the previous room.
  return state.name === name ? { room: state.room, error: state.error } : NOT_JOINED;
}
