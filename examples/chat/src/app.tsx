import { RelayBoxProvider } from '@relaybox/react';
import { type FormEvent, useState } from 'react';
import { ChatRoom } from './chat-room.js';
import { ConnectionBanner } from './connection-banner.js';

const DEFAULT_ROOMS = ['general', 'random'];
const ROOM_NAME = /^[a-z0-9-]{1,32}$/;

/** Sign in with a name, then chat. The provider (and its connection) lives while signed in. */
export function App({ url }: { url: string }) {
  const [name, setName] = useState<string>();
  if (!name) return <SignIn onSignIn={setName} />;
  return (
    <RelayBoxProvider
      key={name}
      options={{
        url,
        // The backend mints a token for this clientId (POST { clientId } → { token }) and again before it expires.
        authEndpoint: '/api/relaybox-token',
        clientId: name,
        // A chat wants to be back quickly once the network is.
        maxReconnectDelayMs: 5000,
      }}
    >
      <Chat name={name} onSignOut={() => setName(undefined)} />
    </RelayBoxProvider>
  );
}

function SignIn({ onSignIn }: { onSignIn: (name: string) => void }) {
  const submit = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const name = String(new FormData(event.currentTarget).get('name') ?? '').trim();
    if (/^[A-Za-z0-9_-]{1,32}$/.test(name)) onSignIn(name);
  };
  return (
    <form className="sign-in" onSubmit={submit}>
      <h1>RelayBox chat</h1>
      <label>
        Your name <input name="name" pattern="[A-Za-z0-9_\-]{1,32}" required />
      </label>
      <button type="submit">Join</button>
    </form>
  );
}

function Chat({ name, onSignOut }: { name: string; onSignOut: () => void }) {
  const [rooms, setRooms] = useState(DEFAULT_ROOMS);
  const [current, setCurrent] = useState(DEFAULT_ROOMS[0]!);
  const addRoom = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const room = String(new FormData(form).get('room') ?? '').trim();
    if (!ROOM_NAME.test(room)) return;
    if (!rooms.includes(room)) setRooms([...rooms, room]);
    setCurrent(room);
    form.reset();
  };
  return (
    <div className="chat">
      <ConnectionBanner />
      <nav aria-label="rooms">
        <p>
          Signed in as <strong>{name}</strong>{' '}
          <button type="button" onClick={onSignOut}>
            Sign out
          </button>
        </p>
        <ul>
          {rooms.map((room) => (
            <li key={room}>
              <button type="button" aria-current={room === current} onClick={() => setCurrent(room)}>
                #{room}
              </button>
            </li>
          ))}
        </ul>
        <form onSubmit={addRoom}>
          <input name="room" placeholder="new-room" aria-label="new room" pattern="[a-z0-9\-]{1,32}" />
        </form>
      </nav>
      <ChatRoom key={current} name={current} user={name} />
    </div>
  );
}
