import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/status.js';
import { useCreateWebhook, WEBHOOK_EVENTS } from '../api/webhooks.js';

export function CreateWebhookForm({
  appId,
  onCreated,
}: {
  appId: string;
  onCreated: (secret: string) => void;
}) {
  const [url, setUrl] = useState('');
  const [events, setEvents] = useState<string[]>(['connection.opened', 'connection.closed']);
  const create = useCreateWebhook(appId);
  const toggle = (event: string) =>
    setEvents((current) =>
      current.includes(event) ? current.filter((e) => e !== event) : [...current, event],
    );
  const submit = (e: FormEvent) => {
    e.preventDefault();
    create.mutate(
      { url: url.trim(), events: WEBHOOK_EVENTS.filter((ev) => events.includes(ev)) },
      {
        onSuccess: ({ secret }) => {
          setUrl('');
          onCreated(secret);
        },
      },
    );
  };
  return (
    <form className="card" onSubmit={submit} aria-label="Add webhook endpoint">
      <h3>Add endpoint</h3>
      <label className="field">
        <span>Endpoint URL</span>
        <input
          type="url"
          name="webhookUrl"
          required
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          placeholder="https://example.com/relaybox"
        />
      </label>
      <fieldset className="ops">
        <legend>Events</legend>
        {WEBHOOK_EVENTS.map((event) => (
          <label key={event} className="check">
            <input type="checkbox" checked={events.includes(event)} onChange={() => toggle(event)} />
            {event}
          </label>
        ))}
      </fieldset>
      <FormError error={create.error} />
      <button type="submit" className="button primary" disabled={create.isPending || events.length === 0}>
        {create.isPending ? 'Adding…' : 'Add endpoint'}
      </button>
    </form>
  );
}
