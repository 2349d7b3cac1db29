import { AuthRelayBox } from '@relaybox/client/auth';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { RelayBoxProvider, useAuth, useConnectionState } from '../../src/index.js';

// A page for the useAuth browser test: an AuthRelayBox given to the provider; the view shows what
// useAuth and useConnectionState see, and the test drives sign-in through `window.relay.auth`.

function Status() {
  const { user, session } = useAuth();
  const state = useConnectionState();
  return (
    <div>
      <p id="user">{user ? user.email : 'signed out'}</p>
      <p id="name">{user?.displayName ?? ''}</p>
      <p id="session">{session ? 'session' : 'no session'}</p>
      <p id="state">{state}</p>
    </div>
  );
}

declare global {
  interface Window {
    relay: AuthRelayBox;
    startAuthApp(options: { url: string; appId: string }): void;
  }
}

window.startAuthApp = ({ url, appId }) => {
  window.relay = new AuthRelayBox({ url, appId, storage: window.sessionStorage });
  createRoot(document.getElementById('root')!).render(
    <StrictMode>
      <RelayBoxProvider client={window.relay}>
        <Status />
      </RelayBoxProvider>
    </StrictMode>,
  );
};
