import { Link, NavLink, Outlet, useOutletContext, useParams } from 'react-router';
import { ErrorState, Loading } from '../../../components/status.js';
import { type App, useApp } from '../api/apps.js';

const TABS = [
  { to: 'keys', label: 'Keys' },
  { to: 'webhooks', label: 'Webhooks' },
  { to: 'auth', label: 'Auth' },
  { to: 'usage', label: 'Usage' },
  { to: 'settings', label: 'Settings' },
] as const;

/** One app with its tabs; the tabs read the loaded app through `useCurrentApp()`. */
export function AppPage() {
  const { appId = '' } = useParams();
  const app = useApp(appId);
  return (
    <>
      <p className="breadcrumb">
        <Link to="/">← Apps</Link>
      </p>
      {app.isPending && <Loading label="Loading app…" />}
      {app.isError && <ErrorState error={app.error} onRetry={() => app.refetch()} />}
      {app.data && (
        <>
          <h1 className="app-title">{app.data.name}</h1>
          <p className="muted">
            App id <code>{app.data.id}</code>
          </p>
          <nav className="tabs" aria-label="App sections">
            {TABS.map((tab) => (
              <NavLink key={tab.to} to={tab.to} className="tab">
                {tab.label}
              </NavLink>
            ))}
          </nav>
          <section className="tab-panel">
            <Outlet context={app.data} />
          </section>
        </>
      )}
    </>
  );
}

export function useCurrentApp(): App {
  return useOutletContext<App>();
}
