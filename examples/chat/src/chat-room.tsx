import type { Room } from '@relaybox/client';
import { useMessages, usePresence, usePublish, useRelayBox, useRoom } from '@relaybox/react';
import { type FormEvent, useEffect, useRef, useState } from 'react';
import { useTyping } from './use-typing.js';

interface ChatMessage {
  text: string;
}

/** One room: its last 50 messages then live ones, who is here, who is typing, and a composer. */
export function ChatRoom({ name, user }: { name: string; user: string }) {
  const { room, error } = useRoom(`chat:${name}`);
  return (
    <main aria-label={`#${name}`}>
      <h2>#{name}</h2>
      {error && <p role="alert">Cannot join: {error.message}</p>}
      {room ? <JoinedRoom room={room} user={user} /> : !error && <p>Joining…</p>}
    </main>
  );
}

function JoinedRoom({ room, user }: { room: Room; user: string }) {
  const relay = useRelayBox();
  const { messages } = useMessages(room, 'message', { history: 50 });
  const { members, update } = usePresence(room, { typing: false });
  const publish = usePublish(room);
  const { typing, stop } = useTyping(update);
  const [failure, setFailure] = useState<string>();
  const list = useRef<HTMLOListElement>(null);
  const newest = messages.at(-1)?.seq;
  // Keep the newest message in view as messages arrive.
  useEffect(() => {
    if (newest !== undefined) list.current?.lastElementChild?.scrollIntoView({ block: 'end' });
  }, [newest]);

  const names = [...new Set(members.map((m) => m.clientId))].sort();
  const typists = members
    .filter((m) => (m.data as { typing?: boolean } | null)?.typing && m.connectionId !== relay?.connectionId)
    .map((m) => m.clientId);
  const send = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = event.currentTarget;
    const text = String(new FormData(form).get('text') ?? '').trim();
    if (!text) return;
    form.reset();
    stop();
    publish('message', { text } satisfies ChatMessage).then(
      () => setFailure(undefined),
      (e: Error) => setFailure(`Not sent (${e.message}): ${text}`),
    );
  };

  return (
    <div className="room">
      <aside aria-label="members">
        <h3>Here ({names.length})</h3>
        <ul>
          {names.map((n) => (
            <li key={n}>{n === user ? `${n} (you)` : n}</li>
          ))}
        </ul>
      </aside>
      <section>
        <ol ref={list} aria-label="messages">
          {messages.map((m) => (
            <li key={m.seq} data-seq={m.seq}>
              <strong>{m.clientId}</strong> {(m.data as ChatMessage).text}
            </li>
          ))}
        </ol>
        <p className="typing" aria-live="polite">
          {typists.length > 0 &&
            `${[...new Set(typists)].join(', ')} ${typists.length > 1 ? 'are' : 'is'} typing…`}
        </p>
        {failure && <p role="alert">{failure}</p>}
        <form onSubmit={send}>
          <input name="text" aria-label="message" autoComplete="off" onInput={typing} />
          <button type="submit">Send</button>
        </form>
      </section>
    </div>
  );
}
