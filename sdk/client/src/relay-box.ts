import { ErrorCode, RelayBoxError, roomNameProblem } from '@relaybox/protocol';
import { Connection } from './connection.js';
import { ConnectionManager } from './connection-manager.js';
import { type RelayBoxOptions, resolveOptions } from './relay-box-options.js';
import { Room } from './room.js';
import type { RoomHost } from './room-host.js';
import type { RoomFrame } from './server-frame.js';

/**
 * The RelayBox realtime client. `new RelayBox(options)` validates the options (throwing
 * RelayBoxError 'invalid_options') and does not connect; `connect()` does. Requests made while not
 * connected reject at once with 'connection_closed': nothing is queued. Joined rooms, their
 * subscriptions and presence survive reconnects; a reconnect offers to resume the connection, and
 * subscribed rooms get the messages they missed (each seq once) or a 'discontinuity'.
 */
export class RelayBox {
  readonly connection: Connection;
  private readonly manager: ConnectionManager;
  private readonly rooms = new Map<string, Room>();
  private readonly joining = new Map<string, Promise<Room>>();
  /** Rooms left while disconnected: a resumed connection still has them. */
  private readonly leftOffline = new Set<string>();
  private readonly host: RoomHost;

  constructor(options: RelayBoxOptions) {
    this.manager = new ConnectionManager(resolveOptions(options), {
      onConnected: (resumed) => this.restore(resumed),
      onRoomFrame: (frame) => this.route(frame),
      onDisconnected: () => {
        for (const room of this.rooms.values()) room.resetSubscription();
      },
    });
    this.connection = new Connection(this.manager);
    const { manager, rooms } = this;
    this.host = {
      get maxPresenceDataBytes() {
        return manager.maxPresenceDataBytes;
      },
      get canSend() {
        return manager.canSend;
      },
      request: (frame) => manager.request(frame),
      forget: (room) => {
        if (rooms.get(room.name) !== room) return;
        rooms.delete(room.name);
        if (!manager.canSend) this.leftOffline.add(room.name);
      },
      reportError: (error) => manager.events.emit('error', error),
    };
  }

  /** The clientId: the option until connected, then the one the server assigned (from the token or key). */
  get clientId(): string | undefined {
    return this.manager.clientId;
  }

  /** Id of the current (or last) connection, from the server's `connected` frame. */
  get connectionId(): string | undefined {
    return this.manager.connectionId;
  }

  /**
   * Connects, or waits for the connection in progress. Resolves once the server acknowledged the
   * connection; rejects when it fails, is closed, or is 'suspended' (it keeps retrying then).
   */
  connect(): Promise<void> {
    return this.manager.connect();
  }

  /** Joins a room (or returns the one already joined). Needs a connected client. */
  join(name: string): Promise<Room> {
    const problem = roomNameProblem(name);
    if (problem) return Promise.reject(new RelayBoxError(ErrorCode.InvalidRoomName, problem));
    const existing = this.rooms.get(name);
    if (existing) return Promise.resolve(existing);
    const inFlight = this.joining.get(name);
    if (inFlight) return inFlight;
    const joined = this.manager
      .request({ type: 'join', room: name })
      .then(() => {
        const room = this.rooms.get(name) ?? new Room(name, this.host);
        this.rooms.set(name, room);
        return room;
      })
      .finally(() => this.joining.delete(name));
    this.joining.set(name, joined);
    return joined;
  }

  /** Closes the connection (code 1000) for good: state 'closed', every room left, no reconnect. */
  async close(): Promise<void> {
    const rooms = [...this.rooms.values()];
    this.rooms.clear();
    for (const room of rooms) room.detach();
    this.leftOffline.clear();
    this.manager.close();
  }

  /** A new socket is acknowledged: restore every room (a resumed connection kept them; join is idempotent). */
  private restore(resumed: boolean): void {
    if (resumed) {
      for (const name of this.leftOffline)
        this.manager.request({ type: 'leave', room: name }).catch(() => {});
    }
    this.leftOffline.clear();
    for (const room of [...this.rooms.values()]) room.restore(resumed);
  }

  private route(frame: RoomFrame): void {
    const room = this.rooms.get(frame.room);
    if (!room) return;
    switch (frame.type) {
      case 'message': {
        const { id, seq, event, data, clientId, timestamp } = frame;
        room.deliver({ id, seq, room: frame.room, event, data, clientId, timestamp });
        return;
      }
      case 'discontinuity':
        room.discontinuity(frame);
        return;
      case 'presence':
        room.receivePresence(frame);
        return;
      case 'metrics':
        if (room.joined) room.metrics.receive(frame.metrics);
        return;
    }
  }
}
