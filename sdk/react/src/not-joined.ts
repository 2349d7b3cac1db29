import { ErrorCode, RelayBoxError } from '@relaybox/client';

/** What an action on a room that `useRoom` has not joined yet rejects with. */
export const notJoinedYet = () => new RelayBoxError(ErrorCode.NotJoined, 'the room is not joined yet');
