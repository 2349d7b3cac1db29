import { type FormEvent, useState } from 'react';
import { Link, useNavigate } from 'react-router';
import { EmptyState, ErrorState, FormError, Loading } from '../../../components/status.js';
import { useApps, useCreateApp } from '../api/apps.js';

export function AppListPage() {
  const apps = useApps();
  return (
    <>
      <h1>Apps</h1>
      <CreateAppForm />
      <section aria-label="Your apps">
        {apps.isPending && <Loading label="Loading apps…" />}
        {apps.isError && <ErrorState error={apps.error} onRetry={() => apps.refetch()} />}
        {apps.data?.length === 0 && (
          <EmptyState title="No apps yet">
            Create your first app above to get API keys for your project.
          </EmptyState>
        )}
        {apps.data && apps.data.length > 0 && (
          <ul className="cards">
            {apps.data.map((app) => (
              <li key={app.id} className="card">
                <Link to={`/apps/${encodeURIComponent(app.id)}`} className="card-title">
                  {app.name}
                </Link>
                <small className="muted">
                  <code>{app.id}</code> · created {new Date(app.createdAt).toLocaleDateString()}
                </small>
              </li>
            ))}
          </ul>
        )}
      </section>
    </>
  );
}

function CreateAppForm() {
  const [name, setName] = useState('');
  const create = useCreateApp();
  const navigate = useNavigate();
  const submit = (event: FormEvent) => {
    event.preventDefault();
    create.mutate(name.trim(), {
      onSuccess: (app) => {
        setName('');
        navigate(`/apps/${encodeURIComponent(app.id)}`);
      },
    });
  };
  return (
    <form className="card inline-form" onSubmit={submit}>
      <label className="field grow">
        <span>New app name</span>
        <input
          name="appName"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="my-chat-app"
        />
      </label>
      <button type="submit" className="button primary" disabled={create.isPending || !name.trim()}>
        {create.isPending ? 'Creating…' : 'Create app'}
      </button>
      <FormError error={create.error} />
    </form>
  );
}
