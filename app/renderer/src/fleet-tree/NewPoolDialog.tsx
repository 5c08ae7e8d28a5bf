// Creates a server pool, at the top or inside another pool.
import { useState } from 'react';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { Field } from '../common/Field.js';
import { errorMessage } from '../common/errors.js';
import { PoolSelect } from './PoolSelect.js';

export function NewPoolDialog({ onClose }: { onClose: () => void }) {
  const client = useClient();
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
        <Field label="Name">
          {(control) => (
            <input {...control} required value={name} onChange={(e) => setName(e.target.value)} />
          )}
        </Field>
        <PoolSelect label="Inside" value={parentId} onChange={setParentId} />
        <ErrorBox>{error}</ErrorBox>
        <DialogButtons onDismiss={onClose} action={{ label: 'Create' }} />
      </form>
    </Dialog>
  );
}
