import { useState } from 'react';
import { ConfirmDialog } from '../../../components/confirm-dialog.js';
import { SecretDialog } from '../../../components/secret-dialog.js';
import { EmptyState, ErrorState, FormError, Loading } from '../../../components/status.js';
import { useCurrentApp } from '../../apps/components/app-page.js';
import { useDeleteWebhook, useSendTestEvent, useWebhooks, type Webhook } from '../api/webhooks.js';
import { CreateWebhookForm } from './create-webhook-form.js';
import { DeadLetters } from './dead-letters.js';
import { DeliveryLog } from './delivery-log.js';

export function WebhooksTab() {
  const app = useCurrentApp();
  const hooks = useWebhooks(app.id);
  const [secret, setSecret] = useState<string | null>(null);
  const [deleting, setDeleting] = useState<Webhook | null>(null);
  const remove = useDeleteWebhook(app.id);
  return (
    <>
      <h2>Webhook endpoints</h2>
      <CreateWebhookForm appId={app.id} onCreated={setSecret} />
      {hooks.isPending && <Loading label="Loading endpoints…" />}
      {hooks.isError && <ErrorState error={hooks.error} onRetry={() => hooks.refetch()} />}
      {hooks.data?.length === 0 && (
        <EmptyState title="No webhook endpoints">Add one to receive signed events from your app.</EmptyState>
      )}
      {hooks.data && hooks.data.length > 0 && (
        <ul className="cards">
          {hooks.data.map((hook) => (
            <WebhookCard key={hook.id} appId={app.id} hook={hook} onDelete={() => setDeleting(hook)} />
          ))}
        </ul>
      )}
      {hooks.data && hooks.data.length > 0 && (
        <section aria-labelledby="dead-letters-title">
          <h2 id="dead-letters-title">Dead letters</h2>
          <DeadLetters appId={app.id} hooks={hooks.data} />
        </section>
      )}
      {deleting && (
        <ConfirmDialog
          title="Delete this endpoint?"
          confirmLabel="Delete endpoint"
          pending={remove.isPending}
          error={remove.error}
          onCancel={() => {
            remove.reset();
            setDeleting(null);
          }}
          onConfirm={() => remove.mutate(deleting.id, { onSuccess: () => setDeleting(null) })}
        >
          <p className="break">{deleting.url} stops receiving events at once.</p>
        </ConfirmDialog>
      )}
      {secret && (
        <SecretDialog
          title="Webhook signing secret"
          label="Signing secret (verify deliveries with verifyWebhook)"
          secret={secret}
          onDone={() => setSecret(null)}
        />
      )}
    </>
  );
}

function WebhookCard({ appId, hook, onDelete }: { appId: string; hook: Webhook; onDelete: () => void }) {
  const test = useSendTestEvent(appId);
  const [showLog, setShowLog] = useState(false);
  return (
    <li className="card webhook" data-webhook-url={hook.url}>
      <strong className="break">{hook.url}</strong>
      <p className="muted">{hook.events.join(', ')}</p>
      <div className="actions">
        <button
          type="button"
          className="button small"
          disabled={test.isPending}
          onClick={() => test.mutate(hook.id, { onSuccess: () => setShowLog(true) })}
        >
          {test.isPending ? 'Sending…' : 'Send test event'}
        </button>
        <button type="button" className="button small" onClick={() => setShowLog((v) => !v)}>
          {showLog ? 'Hide deliveries' : 'Show deliveries'}
        </button>
        <button type="button" className="button small danger" onClick={onDelete}>
          Delete
        </button>
      </div>
      <FormError error={test.error} />
      {test.data && (
        <p className="hint" role="status">
          Test event {test.data.delivery.ok ? 'delivered' : 'failed'} (
          {test.data.delivery.status ?? test.data.delivery.error ?? 'no response'})
        </p>
      )}
      {showLog && <DeliveryLog appId={appId} webhookId={hook.id} />}
    </li>
  );
}
