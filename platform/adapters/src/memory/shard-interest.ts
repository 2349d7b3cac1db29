import { shardOf } from '@relaybox/protocol';

/** How a broker attaches itself to a shard's traffic. */
export interface ShardBinder {
  /** Resolves once messages of the shard reach this broker; rejects when that cannot be done now. */
  bind(shard: number): Promise<void>;
  /** Stops the shard's messages; never throws (a lost connection drops its bindings anyway). */
  unbind(shard: number): void;
}

/**
 * The per-shard interest behind every `Broker` implementation (see the port's doc comment): rooms are
 * reference counted, a shard is bound when its first room is subscribed and unbound `graceMs` after
 * its last room is unsubscribed, unless a room of the shard is subscribed again meanwhile.
 *
 * A `subscribe` whose bind fails holds no reference afterwards: the caller sees the rejection and
 * the state is as if it never called. Unbalanced `unsubscribe` calls are ignored.
 */
export class ShardInterest {
  private readonly rooms = new Map<string, number>();
  private readonly roomsInShard: Uint32Array;
  /** The bind that serves a shard (pending or settled); undefined while the shard is not bound. */
  private readonly bindings: (Promise<void> | undefined)[];
  private readonly graceTimers: (ReturnType<typeof setTimeout> | undefined)[];

  constructor(
    readonly shardCount: number,
    private readonly graceMs: number,
    private readonly binder: ShardBinder,
  ) {
    if (!Number.isInteger(shardCount) || shardCount < 1) throw new RangeError('shardCount must be >= 1');
    this.roomsInShard = new Uint32Array(shardCount);
    this.bindings = new Array(shardCount).fill(undefined);
    this.graceTimers = new Array(shardCount).fill(undefined);
  }

  shardOf(appId: string, room: string): number {
    return shardOf(appId, room, this.shardCount);
  }

  subscribe(appId: string, room: string): Promise<void> {
    const shard = this.shardOf(appId, room);
    const key = roomKey(appId, room);
    const count = this.rooms.get(key) ?? 0;
    this.rooms.set(key, count + 1);
    if (count === 0) this.roomsInShard[shard]!++;
    const timer = this.graceTimers[shard];
    if (timer !== undefined) {
      clearTimeout(timer);
      this.graceTimers[shard] = undefined;
    }
    const ready = this.bindings[shard] ?? this.bind(shard, this.binder.bind.bind(this.binder));
    return ready.catch((error: unknown) => {
      this.release(key, shard);
      throw error;
    });
  }

  unsubscribe(appId: string, room: string): void {
    const key = roomKey(appId, room);
    if (this.rooms.has(key)) this.release(key, this.shardOf(appId, room));
  }

  /** Shards with at least one subscribed room: what a fresh connection has to bind. */
  activeShards(): number[] {
    const shards: number[] = [];
    for (let shard = 0; shard < this.shardCount; shard++)
      if (this.roomsInShard[shard]! > 0) shards.push(shard);
    return shards;
  }

  /** Every binding is gone (lost connection, close): forget them and their pending unbinds. */
  dropBindings(): void {
    for (let shard = 0; shard < this.shardCount; shard++) {
      this.bindings[shard] = undefined;
      this.clearTimer(shard);
    }
  }

  /** Binds every active shard through `bind` (a connection that is not yet handed out). */
  restore(bind: (shard: number) => Promise<void>): Promise<void> {
    return Promise.all(this.activeShards().map((shard) => this.bind(shard, bind))).then(() => undefined);
  }

  private bind(shard: number, bind: (shard: number) => Promise<void>): Promise<void> {
    const binding = bind(shard);
    this.bindings[shard] = binding;
    binding.catch(() => {
      if (this.bindings[shard] === binding) this.bindings[shard] = undefined;
    });
    return binding;
  }

  private release(key: string, shard: number): void {
    const count = this.rooms.get(key) ?? 0;
    if (count === 0) return;
    if (count > 1) {
      this.rooms.set(key, count - 1);
      return;
    }
    this.rooms.delete(key);
    if (--this.roomsInShard[shard]! > 0 || this.bindings[shard] === undefined) return;
    this.clearTimer(shard);
    const timer = setTimeout(() => this.expire(shard), this.graceMs);
    timer.unref?.();
    this.graceTimers[shard] = timer;
  }

  private expire(shard: number): void {
    this.graceTimers[shard] = undefined;
    if (this.roomsInShard[shard]! > 0 || this.bindings[shard] === undefined) return;
    this.bindings[shard] = undefined;
    this.binder.unbind(shard);
  }

  private clearTimer(shard: number): void {
    const timer = this.graceTimers[shard];
    if (timer === undefined) return;
    clearTimeout(timer);
    this.graceTimers[shard] = undefined;
  }
}

/** appId never contains `:` (see parseApiKey), so this key is unambiguous. NUL keeps it so regardless. */
function roomKey(appId: string, room: string): string {
  return `${appId}\u0000${room}`;
}
