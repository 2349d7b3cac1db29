import type { AdminConnectionFrames } from '@relaybox/protocol';
import type { ClientSession } from '../client-session.js';
import { presenceChannel } from '../presence-service.js';
import { CountingTransport } from './counting-transport.js';
import { FRAME_LOG_CAPACITY, FrameLog } from './frame-log.js';
import type { SnapshotSource } from './node-snapshot.js';

/** A watch ends this long after the last read of the connection (the console reads every second). */
export const WATCH_MS = 30_000;
/** Connections watched at once on a gateway at most; a new watch past it ends the oldest. */
export const MAX_WATCHED = 20;

interface Watch {
  session: ClientSession;
  log: FrameLog;
  timer: NodeJS.Timeout;
  /** Taps on the room topics the connection receives, by `appId`-less topic room name. */
  taps: Map<string, () => void>;
}

export interface FrameRecorderOptions {
  watchMs?: number;
  maxWatched?: number;
  capacity?: number;
}

/**
 * Records a connection's frames only while someone looks: costs nothing for a connection nobody
 * watches (one undefined check per frame). A read of the connection starts or extends its watch;
 * frames it sends and direct replies are recorded by the session and its transport, room messages
 * and presence events it receives by a hub tap on each room it subscribes to (re-synced after each
 * of its requests and on every read), so the fan-out path stays one uWS publish per message.
 */
export class FrameRecorder {
  private readonly watches = new Map<string, Watch>();
  private readonly watchMs: number;
  private readonly maxWatched: number;
  private readonly capacity: number;

  constructor(
    private readonly source: Pick<SnapshotSource, 'tapRoom'>,
    options: FrameRecorderOptions = {},
  ) {
    this.watchMs = options.watchMs ?? WATCH_MS;
    this.maxWatched = options.maxWatched ?? MAX_WATCHED;
    this.capacity = options.capacity ?? FRAME_LOG_CAPACITY;
  }

  /** Starts or extends the watch of a connection of this gateway; returns what it recorded so far. */
  watch(session: ClientSession, nodeId: string): AdminConnectionFrames {
    let watch = this.watches.get(session.connectionId);
    if (watch) {
      watch.timer.refresh();
    } else {
      watch = this.start(session);
    }
    this.syncTaps(watch);
    const { log } = watch;
    return { node: nodeId, since: log.since, capacity: log.capacity, in: [...log.in], out: [...log.out] };
  }

  get watched(): number {
    return this.watches.size;
  }

  stopAll(): void {
    for (const id of [...this.watches.keys()]) this.stop(id);
  }

  private start(session: ClientSession): Watch {
    while (this.watches.size >= this.maxWatched) {
      const oldest = this.watches.keys().next().value as string;
      this.stop(oldest);
    }
    const log: FrameLog = new FrameLog(Date.now(), this.capacity, () => this.syncTaps(watch));
    const timer = setTimeout(() => this.stop(session.connectionId), this.watchMs);
    timer.unref();
    const watch: Watch = { session, log, timer, taps: new Map() };
    this.watches.set(session.connectionId, watch);
    session.frameLog = log;
    if (session.transport instanceof CountingTransport) session.transport.frameLog = log;
    return watch;
  }

  private stop(connectionId: string): void {
    const watch = this.watches.get(connectionId);
    if (!watch) return;
    this.watches.delete(connectionId);
    clearTimeout(watch.timer);
    for (const untap of watch.taps.values()) untap();
    const { session } = watch;
    if (session.frameLog === watch.log) session.frameLog = undefined;
    if (session.transport instanceof CountingTransport && session.transport.frameLog === watch.log)
      session.transport.frameLog = undefined;
  }

  /** Taps exactly the topics the connection is subscribed to now (none once it closed). */
  private syncTaps(watch: Watch): void {
    const { session, log, taps } = watch;
    const wanted = new Set<string>();
    if (!session.transport.closed) {
      for (const [room, state] of session.joinedRooms) {
        if (state.messages === 'on') wanted.add(room);
        if (state.presence === 'on') wanted.add(presenceChannel(room));
      }
    }
    for (const [topic, untap] of taps) {
      if (wanted.has(topic)) continue;
      untap();
      taps.delete(topic);
    }
    for (const topic of wanted) {
      if (taps.has(topic)) continue;
      taps.set(
        topic,
        this.source.tapRoom(session.appId, topic, (payload) => log.record('out', payload)),
      );
    }
  }
}
