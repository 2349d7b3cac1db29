import { Navigate, Outlet, useLocation } from 'react-router';
import { ErrorState, Loading } from '../../../components/status.js';
import { useMe } from '../api/auth.js';

/** Route guard: renders the nested routes for a signed-in user, else sends them to sign in. */
export function RequireAuth() {
  const me = useMe();
  const location = useLocation();
  if (me.isPending) return <Loading label="Checking your session…" />;
  if (me.isError) {
    return (
      <main className="page">
        <ErrorState title="Could not load the dashboard" error={me.error} onRetry={() => me.refetch()} />
      </main>
    );
  }
  if (!me.data) return <Navigate to="/signin" replace state={{ from: location.pathname }} />;
  return <Outlet />;
}
