// Creates a server pool, at the top or inside another pool.
import { useId, useState } from 'react';
import { useClient } from '../client-context.js';
import { Dialog } from '../common/Dialog.js';
import { errorMessage } from '../common/errors.js';
import { PoolSelect } from './PoolSelect.js';

export function NewPoolDialog({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const nameId = useId();
  const [name, setName] = useState('');
  const [parentId, setParentId] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);

  return (
    <Dialog title="New server pool" onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          client
            .createGroup(name.trim(), parentId)
            .then(onClose)
            .catch((err: unknown) => setError(errorMessage(err)));
        }}
      >
        <div className="field">
          <label htmlFor={nameId}>Name</label>
          <input id={nameId} required value={name} onChange={(e) => setName(e.target.value)} />
        </div>
        <PoolSelect label="Inside" value={parentId} onChange={setParentId} />
        {error ? <p role="alert">{error}</p> : null}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Create
          </button>
        </div>
      </form>
    </Dialog>
  );
}
