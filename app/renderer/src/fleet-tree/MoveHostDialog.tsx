// The keyboard way to move a host between server pools (the mouse way is drag and drop).
import { useState } from 'react';
import { useClient } from '../client-context.js';
import { Dialog } from '../common/Dialog.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import { PoolSelect } from './PoolSelect.js';

export function MoveHostDialog({ host, onClose }: { host: string; onClose: () => void }) {
  const client = useClient();
  const current = useFleetStore((s) => s.hosts[host]?.groupId ?? null);
  const [groupId, setGroupId] = useState<number | null>(current);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  return (
    <Dialog title={`Move ${host} to a server pool`} onClose={onClose}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          setBusy(true);
          client
            .moveHost(host, groupId)
            .then(onClose)
            .catch((err: unknown) => setError(errorMessage(err)))
            .finally(() => setBusy(false));
        }}
      >
        <PoolSelect label="Server pool" value={groupId} onChange={setGroupId} />
        {error ? <p role="alert">{error}</p> : null}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Move
          </button>
        </div>
      </form>
    </Dialog>
  );
}
