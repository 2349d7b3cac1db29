import { useState } from 'react';
import { Modal } from './modal.js';

/**
 * Shows a secret exactly once. The owner drops the secret from its state when this closes, so
 * it cannot be shown again; only "I have stored it" closes it (Escape does not).
 */
export function SecretDialog({
  title,
  label,
  secret,
  onDone,
}: {
  title: string;
  label: string;
  secret: string;
  onDone: () => void;
}) {
  const [copy, setCopy] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copySecret = async () => {
    try {
      await navigator.clipboard.writeText(secret);
      setCopy('copied');
    } catch {
      setCopy('failed');
    }
  };
  return (
    <Modal title={title} onClose={onDone} dismissable={false}>
      <p className="warning">
        Copy it now: this is the only time it is shown. RelayBox stores it encrypted and cannot show it again.
      </p>
      <label className="field">
        <span>{label}</span>
        <output className="secret" data-testid="secret-value">
          {secret}
        </output>
      </label>
      <p className="hint" aria-live="polite">
        {copy === 'copied' && 'Copied to the clipboard.'}
        {copy === 'failed' && 'Copying failed: select the text above and copy it by hand.'}
      </p>
      <div className="actions">
        <button type="button" className="button" onClick={copySecret}>
          Copy
        </button>
        <button type="button" className="button primary" onClick={onDone}>
          I have stored it
        </button>
      </div>
    </Modal>
  );
}
