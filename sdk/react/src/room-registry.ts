import { ErrorCode, type RelayBox, type RelayBoxError, type Room } from '@relaybox/client';
import { type SharedLease, sharedLease } from './shared-lease.js';

/** What `useRoom` sees of one room: the joined `Room` once the server acknowledged the join. */
export interface RoomState {
  room: Room | undefined;
  /** Why the room could not be joined (or was dropped after a refused re-join). */
  error: RelayBoxError | undefined;
}

type Listener = (state: RoomState) => void;

interface Entry {
  lease: SharedLease;
  state: RoomState;
  listeners: Set<Listener>;
  wanted: boolean;
  joining: boolean;
}

/**
 * The rooms the components of one client hold, by name. A room is joined when its first holder
 * arrives (once connected: a join made while disconnected waits for the next 'connected') and left
 * when its last holder has gone. The client re-joins joined rooms after a reconnect by itself.
 */
class RoomRegistry {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly relay: RelayBox) {
    relay.connection.on('statechange', ({ current }) => {
      if (current === 'connected') for (const [name, entry] of this.entries) this.join(name, entry);
    });
  }

  /** The state of `name` as held now (a room that other components joined already). */
  peek(name: string): RoomState | undefined {
    return this.entries.get(name)?.state;
  }

  /** Holds `name` until the returned function is called; `listener` gets every change of its state. */
  hold(name: string, listener: Listener): () => void {
    let entry = this.entries.get(name);
    if (!entry) {
      const created: Entry = {
        lease: sharedLease(
          () => this.want(name, created),
          () => this.unwant(name, created),
        ),
        state: { room: undefined, error: undefined },
        listeners: new Set(),
        wanted: false,
        joining: false,
      };
      this.entries.set(name, created);
      entry = created;
    }
    const current = entry;
    current.listeners.add(listener);
    const drop = current.lease.hold();
    listener(current.state);
    return () => {
      current.listeners.delete(listener);
      drop();
    };
  }

  private want(name: string, entry: Entry): void {
    entry.wanted = true;
    this.join(name, entry);
  }

  private unwant(name: string, entry: Entry): void {
    entry.wanted = false;
    if (!entry.joining) this.finish(name, entry);
  }

  /** Nobody holds the room any more and no join is in flight: leave it and forget it. */
  private finish(name: string, entry: Entry): void {
    if (this.entries.get(name) === entry) this.entries.delete(name);
    entry.state.room?.leave().catch(() => {});
  }

  private join(name: string, entry: Entry): void {
    if (!entry.wanted || entry.joining || entry.state.room?.joined) return;
    if (this.relay.connection.state !== 'connected') return;
    entry.joining = true;
    this.relay.join(name).then(
      (room) => {
        entry.joining = false;
        room.on('error', (error) => {
          if (!room.joined && entry.state.room === room) this.set(entry, { room: undefined, error });
        });
        this.set(entry, { room, error: undefined });
        if (!entry.wanted) this.finish(name, entry);
      },
      (error: RelayBoxError) => {
        entry.joining = false;
        if (!entry.wanted) return this.finish(name, entry);
        // Cut off by a drop: the next 'connected' joins again.
        if (error.code !== ErrorCode.ConnectionClosed) this.set(entry, { room: undefined, error });
      },
    );
  }

  private set(entry: Entry, state: RoomState): void {
    entry.state = state;
    for (const listener of [...entry.listeners]) listener(state);
  }
}

const registries = new WeakMap<RelayBox, RoomRegistry>();

/** The registry of `relay`'s rooms (one per client). */
export function roomRegistry(relay: RelayBox): RoomRegistry {
  let registry = registries.get(relay);
  if (!registry) {
    registry = new RoomRegistry(relay);
    registries.set(relay, registry);
  }
  return registry;
}
