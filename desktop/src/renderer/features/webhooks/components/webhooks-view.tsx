import { useState } from 'react';
import { useDefaultAppId } from '../../publish/components/publish-box.js';
import { DeadLettersPanel } from './dead-letters-panel.js';
import { DeliveryLogPanel } from './delivery-log-panel.js';
import { InboxPanel } from './inbox-panel.js';

/** Webhooks you can see: the app's inbox, every endpoint's delivery log, and the dead letters. */
export function WebhooksView() {
  const defaultApp = useDefaultAppId();
  const [appId, setAppId] = useState<string | undefined>(undefined);
  const app = appId ?? defaultApp;
  return (
    <div className="webhooks-view">
      <section className="panel" aria-label="webhook app">
        <header className="panel-head">
          <h2>Webhooks</h2>
          <label className="inline">
            App <input name="webhook-app" value={app} onChange={(e) => setAppId(e.target.value)} />
          </label>
        </header>
      </section>
      <InboxPanel key={`inbox-${app}`} appId={app} />
      <DeliveryLogPanel key={`log-${app}`} appId={app} />
      <DeadLettersPanel key={`dead-${app}`} appId={app} />
    </div>
  );
}
