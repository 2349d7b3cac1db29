import { createElement } from 'react';
import { renderToString } from 'react-dom/server';
import { describe, expect, it } from 'vitest';
import {
  RelayBoxProvider,
  useConnectionState,
  useHistory,
  useMessages,
  usePresence,
  useRoom,
} from './index.js';

// Server-side rendering runs in Node without `window` (and, on Node 20, without WebSocket): the
// package imports and the same tree renders, every hook in its initial state.

function Chat() {
  const state = useConnectionState();
  const { room } = useRoom('chat:lobby');
  const { messages } = useMessages(room, 'message', { history: 20 });
  const { members } = usePresence(room, { name: 'ssr' });
  const { items } = useHistory(room, { limit: 5 });
  return createElement(
    'p',
    null,
    `${state} ${room ? 'joined' : 'not joined'} ${messages.length} ${members.length} ${items.length}`,
  );
}

describe('server-side rendering', () => {
  it('renders a provider with options and every hook without a window', () => {
    expect(typeof (globalThis as { window?: unknown }).window).toBe('undefined');
    const html = renderToString(
      createElement(
        RelayBoxProvider,
        { options: { url: 'ws://localhost:9000/v1/ws', authEndpoint: '/api/token' } },
        createElement(Chat),
      ),
    );
    expect(html).toBe('<p>initialized not joined 0 0 0</p>');
  });
});
