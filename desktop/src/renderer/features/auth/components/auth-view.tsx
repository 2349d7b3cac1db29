import { useState } from 'react';
import { Empty, QueryState } from '../../../lib/query-state.js';
import { useAuthApps } from '../api/auth.js';
import { AuthEventsPanel } from './auth-events-panel.js';
import { DevMailboxPanel } from './dev-mailbox-panel.js';
import { UsersPanel } from './users-panel.js';

/** The apps' user pools: users and their sessions, the dev mailbox, and auth events as they happen. */
export function AuthView() {
  const apps = useAuthApps();
  const [chosen, setChosen] = useState<string | undefined>(undefined);
  const items = apps.data?.items ?? [];
  const current = items.find((a) => a.appId === chosen) ?? items[0];
  return (
    <div className="auth-view">
      <section className="panel" aria-label="auth app">
        <header className="panel-head">
          <h2>Auth</h2>
          {items.length > 0 && (
            <label className="inline">
              App{' '}
              <select name="auth-app" value={current?.appId} onChange={(e) => setChosen(e.target.value)}>
                {items.map((a) => (
                  <option key={a.appId} value={a.appId}>
                    {a.appId}
                  </option>
                ))}
              </select>
            </label>
          )}
        </header>
        <QueryState query={apps} label="user pools">
          {current ? (
            <p className="muted">
              MFA {current.mfaRequired ? 'required for every user' : 'optional'} · mails{' '}
              {current.devMailbox ? 'kept in the dev mailbox' : 'sent through SMTP'}
            </p>
          ) : (
            <Empty>No app has a user pool (see docs/auth.md).</Empty>
          )}
        </QueryState>
      </section>
      {current && (
        <>
          <UsersPanel key={`users-${current.appId}`} appId={current.appId} />
          {current.devMailbox && <DevMailboxPanel key={`mail-${current.appId}`} appId={current.appId} />}
          <AuthEventsPanel appId={current.appId} />
        </>
      )}
    </div>
  );
}
