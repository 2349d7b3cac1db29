import { RelayBoxProvider } from '@relaybox/react';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './app.tsx';

// The test opens the page with ?ws=<websocket url>&token=<token minted by the backend>&room=<room>.
const params = new URLSearchParams(window.location.search);

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <RelayBoxProvider options={{ url: params.get('ws') ?? '', token: params.get('token') ?? '' }}>
      <App room={params.get('room') ?? ''} />
    </RelayBoxProvider>
  </StrictMode>,
);
