import { shardOf } from '@relaybox/protocol';

/** A room name of `appId` that hashes to `shard`, distinct for each `tag`. */
export function roomInShard(appId: string, shard: number, shardCount: number, tag = 'room'): string {
  for (let i = 0; i < 100_000; i++) {
    const room = `${tag}-${i}`;
    if (shardOf(appId, room, shardCount) === shard) return room;
  }
  throw new Error(`no room found for shard ${shard}`);
}

/** `count` room names of `appId` that hash to pairwise distinct shards. */
export function roomsInDistinctShards(
  appId: string,
  count: number,
  shardCount: number,
  tag = 'room',
): string[] {
  if (count > shardCount) throw new RangeError('more rooms than shards');
  const rooms: string[] = [];
  const used = new Set<number>();
  for (let i = 0; rooms.length < count; i++) {
    const room = `${tag}-${i}`;
    const shard = shardOf(appId, room, shardCount);
    if (used.has(shard)) continue;
    used.add(shard);
    rooms.push(room);
  }
  return rooms;
}
