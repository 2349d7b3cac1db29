import { type HistoryParams, RelayBox, type RelayBoxOptions, type Room } from '@relaybox/client';
import { StrictMode, useEffect, version } from 'react';
import { version as domVersion } from 'react-dom';
import { createRoot } from 'react-dom/client';
import {
  RelayBoxProvider,
  useConnectionState,
  useHistory,
  useMessages,
  usePresence,
  usePublish,
  useRelayBox,
  useRoom,
} from '../../src/index.js';

// A page for the browser tests: the test renders a list of views (each one useRoom plus the hooks
// it asks for) in StrictMode, re-renders a shorter list to unmount some, and reads what each view
// sees from `window.views` (and the DOM, for the screenshot).

export interface ViewSpec {
  id: string;
  room: string;
  messages?: { event?: string; history?: number };
  /**
   * Enter presence with this data, from a child component mounted once the room is there (so
   * StrictMode double-runs the presence effect with the room at hand).
   */
  presence?: unknown;
  history?: HistoryParams;
}

export interface AppSpec {
  url: string;
  token: string;
  views: ViewSpec[];
  /** More client options (reconnect delays). */
  options?: Partial<RelayBoxOptions>;
  /** Give the provider a client made by the page (`client` prop) instead of `options`. */
  ownClient?: boolean;
}

/** What one view saw at its last render. */
export interface ViewSnapshot {
  state: string;
  joined: boolean;
  error: string | undefined;
  seqs: number[];
  data: unknown[];
  historySeqs: number[];
  hasNext: boolean;
  publish(event: string, data: unknown): Promise<unknown>;
  next(): void;
}

/** What a view's presence child saw at its last render. */
export interface PresenceSnapshot {
  members: string[];
  update(data: unknown): Promise<void>;
}

declare global {
  interface Window {
    app: { render(spec: AppSpec): void; unmount(): void };
    views: Record<string, ViewSnapshot>;
    presence: Record<string, PresenceSnapshot>;
    gaps: number;
    /** The client each view got from `useRelayBox`. */
    relays: Record<string, RelayBox | null>;
    /** The React and ReactDOM versions the page was bundled with. */
    reactVersions: { react: string; reactDom: string };
  }
}

function View({ spec }: { spec: ViewSpec }) {
  const state = useConnectionState();
  const { room, error } = useRoom(spec.room);
  const { messages } = useMessages(spec.messages ? room : undefined, spec.messages?.event, {
    history: spec.messages?.history ?? 0,
  });
  const history = useHistory(spec.history ? room : undefined, spec.history);
  const publish = usePublish(room);
  const relay = useRelayBox();
  useEffect(() => {
    window.relays[spec.id] = relay;
  }, [spec.id, relay]);
  useEffect(() => {
    window.views[spec.id] = {
      state,
      joined: room !== undefined,
      error: error?.code,
      seqs: messages.map((m) => m.seq),
      data: messages.map((m) => m.data),
      historySeqs: history.items.map((m) => m.seq),
      hasNext: history.hasNext,
      publish,
      next: history.next,
    };
  });
  useEffect(() => {
    if (!room) return;
    return room.on('discontinuity', () => {
      window.gaps++;
    });
  }, [room]);
  return (
    <section>
      <h2>
        {spec.id} {spec.room} ({state}
        {room ? ', joined' : ''})
      </h2>
      {room && spec.presence !== undefined && <Presence id={spec.id} room={room} data={spec.presence} />}
      <ol>
        {messages.map((m) => (
          <li key={m.seq}>
            #{m.seq} {JSON.stringify(m.data)}
          </li>
        ))}
      </ol>
    </section>
  );
}

function Presence({ id, room, data }: { id: string; room: Room; data: unknown }) {
  const { members, update } = usePresence(room, data);
  useEffect(() => {
    window.presence[id] = {
      members: members.map((m) => `${m.clientId}:${JSON.stringify(m.data)}`).sort(),
      update,
    };
    return () => {
      delete window.presence[id];
    };
  });
  return <p>members: {members.map((m) => m.clientId).join(', ')}</p>;
}

function pageClient(spec: AppSpec): RelayBox {
  const key = spec.url + spec.token;
  let client = pageClients.get(key);
  if (!client) {
    client = new RelayBox({ ...spec.options, url: spec.url, token: spec.token });
    pageClients.set(key, client);
  }
  return client;
}

const root = createRoot(document.getElementById('root')!);
window.views = {};
window.presence = {};
window.gaps = 0;
window.relays = {};
window.reactVersions = { react: version, reactDom: domVersion };
const pageClients = new Map<string, RelayBox>();
window.app = {
  render(spec) {
    for (const id of Object.keys(window.views)) {
      if (!spec.views.some((v) => v.id === id)) delete window.views[id];
    }
    const views = spec.views.map((v) => <View key={v.id} spec={v} />);
    root.render(
      <StrictMode>
        {spec.ownClient ? (
          <RelayBoxProvider key={spec.url + spec.token} client={pageClient(spec)}>
            {views}
          </RelayBoxProvider>
        ) : (
          <RelayBoxProvider
            key={spec.url + spec.token}
            options={{ ...spec.options, url: spec.url, token: spec.token }}
          >
            {views}
          </RelayBoxProvider>
        )}
      </StrictMode>,
    );
  },
  unmount() {
    root.render(null);
  },
};
