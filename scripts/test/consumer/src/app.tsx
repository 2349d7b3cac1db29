import type { RoomMessage } from '@relaybox/client';
import { useConnectionState, useMessages, usePresence, usePublish, useRoom } from '@relaybox/react';

const textOf = (msg: RoomMessage) => (msg.data as { text: string }).text;

export function App({ room: name }: { room: string }) {
  const state = useConnectionState();
  const { room, error } = useRoom(name);
  const { messages } = useMessages(room, 'note', { history: 20 });
  const { members } = usePresence(room, { name: 'browser' });
  const publish = usePublish(room);
  if (error) return <p role="alert">{error.message}</p>;
  return (
    <main>
      <p data-testid="state">{state}</p>
      <p data-testid="room">{room ? `joined ${room.name}` : 'joining'}</p>
      <p data-testid="members">{members.length} online</p>
      <ul>
        {messages.map((msg) => (
          <li key={msg.seq}>{textOf(msg)}</li>
        ))}
      </ul>
      <button type="button" onClick={() => void publish('note', { text: 'hi from the browser' })}>
        Say hi
      </button>
    </main>
  );
}
