import { AuthView } from './features/auth/components/auth-view.js';
import { useConnection } from './features/connection/api/connection.js';
import { ConnectionProvider } from './features/connection/components/connection-context.js';
import { TokenPrompt } from './features/connection/components/token-prompt.js';
import { ConnectionPage } from './features/connections/components/connection-page.js';
import { ConnectionsTable } from './features/connections/components/connections-table.js';
import { ExplainView } from './features/explain/components/explain-view.js';
import { PublishBox } from './features/publish/components/publish-box.js';
import { RoomPage } from './features/rooms/components/room-page.js';
import { RoomsTable } from './features/rooms/components/rooms-table.js';
import { StackView } from './features/stack/components/stack-view.js';
import { TracesView } from './features/traces/components/traces-view.js';
import { VerifyPage } from './features/verify/components/verify-page.js';
import { WebhooksView } from './features/webhooks/components/webhooks-view.js';
import { describeError } from './lib/http.js';
import { Link } from './lib/link.js';
import { routeSegments, useRoute } from './lib/router.js';

const TABS = [
  { route: '/stack', label: 'Stack' },
  { route: '/connections', label: 'Connections' },
  { route: '/rooms', label: 'Rooms' },
  { route: '/traces', label: 'Traces' },
  { route: '/publish', label: 'Publish' },
  { route: '/webhooks', label: 'Webhooks' },
  { route: '/auth', label: 'Auth' },
  { route: '/explain', label: 'Explain' },
  { route: '/verify', label: 'Verify' },
] as const;

export function App() {
  const connection = useConnection();
  const route = useRoute();
  const [section = 'stack'] = routeSegments(route);
  return (
    <div className="app">
      <header className="topbar">
        <h1>RelayBox</h1>
        <nav aria-label="views">
          {TABS.map((tab) => (
            <Link
              key={tab.route}
              to={tab.route}
              className={`/${section}` === tab.route ? 'tab active' : 'tab'}
            >
              {tab.label}
            </Link>
          ))}
        </nav>
      </header>
      <main>
        {connection.isPending && (
          <p className="state loading" role="status">
            Connecting…
          </p>
        )}
        {connection.isError && (
          <p className="state error" role="alert">
            Cannot connect: {describeError(connection.error)}
          </p>
        )}
        {connection.data && (
          <ConnectionProvider value={connection.data}>
            {connection.data.adminToken || section === 'stack' ? (
              <View route={route} />
            ) : (
              <TokenPrompt reason={connection.data.daemonError} />
            )}
          </ConnectionProvider>
        )}
      </main>
    </div>
  );
}

function View({ route }: { route: string }) {
  const [section = 'stack', a, b] = routeSegments(route);
  switch (section) {
    case 'connections':
      return a ? <ConnectionPage key={a} connectionId={a} /> : <ConnectionsTable />;
    case 'rooms':
      return a && b ? <RoomPage key={`${a}/${b}`} appId={a} room={b} /> : <RoomsTable />;
    case 'traces':
      return <TracesView messageId={a} />;
    case 'webhooks':
      return <WebhooksView />;
    case 'auth':
      return <AuthView />;
    case 'explain':
      return <ExplainView key={`${a}/${b}`} subject={a} id={b} />;
    case 'verify':
      return <VerifyPage />;
    case 'publish':
      return <PublishBox room={new URLSearchParams(window.location.search).get('room') ?? ''} />;
    default:
      return <StackView />;
  }
}
