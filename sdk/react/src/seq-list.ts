import type { RoomMessage } from '@relaybox/client';

/**
 * `list` (ascending seq, each seq once) with `items` merged in: a seq already present is kept as is.
 * Returns `list` itself when nothing was added, so React skips the re-render.
 */
export function mergeBySeq(list: readonly RoomMessage[], items: readonly RoomMessage[]): RoomMessage[] {
  let merged = list as RoomMessage[];
  for (const item of items) {
    let low = 0;
    let high = merged.length;
    while (low < high) {
      const mid = (low + high) >>> 1;
      if (merged[mid]!.seq < item.seq) low = mid + 1;
      else high = mid;
    }
    if (merged[low]?.seq === item.seq) continue;
    if (merged === list) merged = [...list];
    merged.splice(low, 0, item);
  }
  return merged;
}
