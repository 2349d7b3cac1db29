import { useState } from 'react';
import { useNavigate } from 'react-router';
import { FormError } from '../../../components/status.js';
import { useDeleteApp } from '../../apps/api/apps.js';
import { useCurrentApp } from '../../apps/components/app-page.js';
import { SettingsForm } from './settings-form.js';

export function SettingsTab() {
  const app = useCurrentApp();
  return (
    <>
      <h2>Settings</h2>
      <SettingsForm key={app.id} app={app} />
      <DeleteApp appId={app.id} name={app.name} />
    </>
  );
}

/** Deleting an app needs its name typed back: it revokes every key of the app at once. */
function DeleteApp({ appId, name }: { appId: string; name: string }) {
  const [typed, setTyped] = useState('');
  const remove = useDeleteApp(appId);
  const navigate = useNavigate();
  return (
    <section className="card danger-zone" aria-label="Delete app">
      <h3>Delete app</h3>
      <p>
        Deletes the app, revokes all its keys and removes its webhooks. Type{' '}
        <strong className="break">{name}</strong> to confirm.
      </p>
      <label className="field">
        <span>Type the app name to confirm</span>
        <input
          name="confirmName"
          value={typed}
          onChange={(e) => setTyped(e.target.value)}
          autoComplete="off"
        />
      </label>
      <FormError error={remove.error} />
      <button
        type="button"
        className="button danger"
        disabled={typed !== name || remove.isPending}
        onClick={() => remove.mutate(undefined, { onSuccess: () => navigate('/', { replace: true }) })}
      >
        {remove.isPending ? 'Deleting…' : 'Delete this app'}
      </button>
    </section>
  );
}
