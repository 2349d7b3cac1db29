import { ErrorState, Loading } from '../../../components/status.js';
import { useCurrentApp } from '../../apps/components/app-page.js';
import { useAppAuth } from '../api/app-auth.js';
import { AuthProviders } from './auth-providers.js';
import { AuthSettingsForm } from './auth-settings-form.js';
import { AuthUsers } from './auth-users.js';

/** The app's user pool: who may sign in and how (docs/control-plane.md#auth-user-pools). */
export function AuthTab() {
  const app = useCurrentApp();
  const auth = useAppAuth(app.id);
  return (
    <>
      <h2>Auth</h2>
      <p className="muted">
        Sign-in for your app's end users, served by the gateways under <code>/v1/auth/{app.id}</code>.
      </p>
      {auth.isPending && <Loading label="Loading auth settings…" />}
      {auth.isError && <ErrorState error={auth.error} onRetry={() => auth.refetch()} />}
      {auth.data && (
        <>
          <AuthSettingsForm key={app.id} appId={app.id} settings={auth.data.settings} />
          <AuthProviders appId={app.id} providers={auth.data.providers} />
          <AuthUsers appId={app.id} />
        </>
      )}
    </>
  );
}
