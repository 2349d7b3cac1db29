import { RelayBox, type RoomMessage } from '@relaybox/client';
import { useEffect, useState } from 'react';

export function App({ url, token, room }: { url: string; token: string; room: string }) {
  const [state, setState] = useState('initialized');
  const [messages, setMessages] = useState<RoomMessage[]>([]);
  useEffect(() => {
    const relay = new RelayBox({ url, token });
    let cancelled = false;
    relay.connection.on('statechange', ({ current }) => setState(current));
    (async () => {
      await relay.connect();
      const joined = await relay.join(room);
      if (cancelled) return;
      joined.subscribe('note', (msg) => setMessages((list) => [...list, msg]));
      setState('joined');
    })();
    return () => {
      cancelled = true;
      void relay.close();
    };
  }, [url, token, room]);
  return (
    <main>
      <p data-testid="state">{state}</p>
      <ul>
        {messages.map((msg) => (
          <li key={msg.seq}>{(msg.data as { text: string }).text}</li>
        ))}
      </ul>
    </main>
  );
}
