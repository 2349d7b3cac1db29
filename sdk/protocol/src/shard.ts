/** FNV-1a, 32 bit, over the UTF-16 code units of the input: stable across processes and languages. */
export function fnv1a32(input: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < input.length; i++) {
    hash ^= input.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

/** `shard = hash(appId:room) mod S` (DESIGN.md §1). S is fixed per cluster. */
export function shardOf(appId: string, room: string, shardCount: number): number {
  if (!Number.isInteger(shardCount) || shardCount < 1)
    throw new RangeError('shardCount must be a positive integer');
  return fnv1a32(`${appId}:${room}`) % shardCount;
}
