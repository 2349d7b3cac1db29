import type { PublishAck, PublishOptions, Room } from '@relaybox/client';
import { useCallback } from 'react';
import { notJoinedYet } from './not-joined.js';

export type Publish = (event: string, data: unknown, options?: PublishOptions) => Promise<PublishAck>;

/**
 * A stable function publishing to `room` (`room.publish`: resolves with `{ id, seq, timestamp }`
 * once stored). Rejects with 'not_joined' while the room is not there yet.
 */
export function usePublish(room: Room | undefined): Publish {
  return useCallback(
    (event, data, options) => (room ? room.publish(event, data, options) : Promise.reject(notJoinedYet())),
    [room],
  );
}
