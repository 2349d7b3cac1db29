import { type FormEvent, useState } from 'react';
import { FormError } from '../../../components/status.js';
import { useCreateKey } from '../api/keys.js';
import { PermissionEditor } from './permission-editor.js';
import { type PermissionRow, rowsValid, toPermissionMap } from './permission-rows.js';

const DEFAULT_ROWS: PermissionRow[] = [
  { id: 1, pattern: '*', ops: ['subscribe', 'publish', 'presence', 'history'] },
];

/** Creates a key; the caller shows the returned secret once. */
export function CreateKeyForm({
  appId,
  onCreated,
  onCancel,
}: {
  appId: string;
  onCreated: (apiKey: string) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [rows, setRows] = useState(DEFAULT_ROWS);
  const create = useCreateKey(appId);
  const valid = name.trim() !== '' && rowsValid(rows);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!valid) return;
    create.mutate(
      { name: name.trim(), permissions: toPermissionMap(rows) },
      { onSuccess: (issued) => onCreated(issued.apiKey) },
    );
  };
  return (
    <form className="card create-key" onSubmit={submit} aria-label="Create API key">
      <h2>New API key</h2>
      <label className="field">
        <span>Key name</span>
        <input
          name="keyName"
          required
          maxLength={100}
          value={name}
          onChange={(e) => setName(e.target.value)}
          placeholder="backend"
        />
      </label>
      <PermissionEditor rows={rows} onChange={setRows} />
      <FormError error={create.error} />
      <div className="actions">
        <button type="button" className="button" onClick={onCancel}>
          Cancel
        </button>
        <button type="submit" className="button primary" disabled={!valid || create.isPending}>
          {create.isPending ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}
