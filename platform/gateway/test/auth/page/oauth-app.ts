import { AuthRelayBox } from '@relaybox/client/auth';

// The page of the SDK's OAuth browser test: the app's sign-in page and its redirect page (/callback)
// are this one script. On /callback it finishes the sign-in, connects, joins a room and publishes.

declare global {
  interface Window {
    relay: AuthRelayBox;
    config: { url: string };
    result?: { email?: string; userId?: string; clientId?: string; seq?: number; error?: string };
  }
}

window.relay = new AuthRelayBox({ url: window.config.url, appId: 'alpha' });

// The test sets `hold` to stop at the callback page and replay it altered.
if (location.pathname === '/callback' && sessionStorage.getItem('hold')) {
  sessionStorage.removeItem('hold');
  window.result = { error: 'held' };
} else if (location.pathname === '/callback') {
  window.relay.auth
    .completeOAuthSignIn()
    .then(async (signedIn) => {
      await window.relay.connect();
      const room = await window.relay.join('chat:oauth-browser');
      const ack = await room.publish('message', { text: 'hello from the browser' });
      window.result = {
        email: signedIn.user?.email,
        userId: signedIn.user?.id,
        clientId: window.relay.clientId,
        seq: ack.seq,
      };
    })
    .catch((error: { code?: string }) => {
      window.result = { error: error.code ?? String(error) };
    });
}
