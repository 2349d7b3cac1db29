import { Link, Outlet } from 'react-router';
import { useMe, useSignOut } from '../features/auth/api/auth.js';
import { FormError } from './status.js';

/** Header with the account and sign-out around every signed-in page. */
export function AppShell() {
  const me = useMe();
  const signOut = useSignOut();
  return (
    <>
      <header className="topbar">
        <Link to="/" className="brand">
          RelayBox
        </Link>
        <div className="account">
          <span className="email" title={me.data?.email}>
            {me.data?.email}
          </span>
          <button
            type="button"
            className="button small"
            disabled={signOut.isPending}
            onClick={() => signOut.mutate()}
          >
            Sign out
          </button>
        </div>
      </header>
      <FormError error={signOut.error} />
      <main className="page">
        <Outlet />
      </main>
    </>
  );
}
