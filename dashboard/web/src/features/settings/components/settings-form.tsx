import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/status.js';
import type { App, AppSettings } from '../../apps/api/apps.js';
import { useUpdateApp } from '../../apps/api/apps.js';

interface Draft {
  name: string;
  historyMaxMessages: string;
  historyMaxAgeSec: string;
  maxConnections: string;
  publishRatePerSec: string;
  maxRoomsPerConnection: string;
  allowedOrigins: string;
}

const draftOf = (app: App): Draft => ({
  name: app.name,
  historyMaxMessages: String(app.settings.historyMaxMessages),
  historyMaxAgeSec: String(app.settings.historyMaxAgeSec),
  maxConnections: String(app.settings.limits.maxConnections),
  publishRatePerSec: String(app.settings.limits.publishRatePerSec),
  maxRoomsPerConnection: String(app.settings.limits.maxRoomsPerConnection),
  allowedOrigins: app.settings.allowedOrigins.join('\n'),
});

const settingsOf = (d: Draft): AppSettings => ({
  historyMaxMessages: Number(d.historyMaxMessages),
  historyMaxAgeSec: Number(d.historyMaxAgeSec),
  allowedOrigins: d.allowedOrigins
    .split(/\s+/)
    .map((o) => o.trim())
    .filter(Boolean),
  limits: {
    maxConnections: Number(d.maxConnections),
    publishRatePerSec: Number(d.publishRatePerSec),
    maxRoomsPerConnection: Number(d.maxRoomsPerConnection),
  },
});

const NUMBER_FIELDS: { key: keyof Draft; label: string; group: 'history' | 'limits'; min: number }[] = [
  { key: 'historyMaxMessages', label: 'Messages kept per room', group: 'history', min: 0 },
  { key: 'historyMaxAgeSec', label: 'Max message age (seconds)', group: 'history', min: 0 },
  { key: 'maxConnections', label: 'Max connections', group: 'limits', min: 1 },
  { key: 'publishRatePerSec', label: 'Publishes per second per connection', group: 'limits', min: 1 },
  { key: 'maxRoomsPerConnection', label: 'Rooms per connection', group: 'limits', min: 1 },
];

/** Name, retention, limits and allowed origins, saved together; the server validates the bounds. */
export function SettingsForm({ app }: { app: App }) {
  const [draft, setDraft] = useState(() => draftOf(app));
  const update = useUpdateApp(app.id);
  const set = (key: keyof Draft) => (e: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: e.target.value }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    update.mutate({ name: draft.name.trim(), settings: settingsOf(draft) });
  };
  const numberField = (group: 'history' | 'limits') =>
    NUMBER_FIELDS.filter((f) => f.group === group).map((f) => (
      <label key={f.key} className="field">
        <span>{f.label}</span>
        <input
          type="number"
          min={f.min}
          step={1}
          required
          name={f.key}
          value={draft[f.key]}
          onChange={set(f.key)}
        />
      </label>
    ));
  return (
    <form className="card settings" onSubmit={submit} aria-label="App settings">
      <label className="field">
        <span>App name</span>
        <input name="name" required maxLength={100} value={draft.name} onChange={set('name')} />
      </label>
      <fieldset>
        <legend>History retention</legend>
        {numberField('history')}
      </fieldset>
      <fieldset>
        <legend>Limits</legend>
        {numberField('limits')}
      </fieldset>
      <label className="field">
        <span>Allowed origins (one per line; empty allows any)</span>
        <textarea
          name="allowedOrigins"
          rows={3}
          value={draft.allowedOrigins}
          onChange={set('allowedOrigins')}
          placeholder="https://app.example.com"
          spellCheck={false}
        />
      </label>
      <FormError error={update.error} />
      {update.isSuccess && (
        <p className="hint" role="status">
          Saved.
        </p>
      )}
      <button type="submit" className="button primary" disabled={update.isPending}>
        {update.isPending ? 'Saving…' : 'Save settings'}
      </button>
    </form>
  );
}
