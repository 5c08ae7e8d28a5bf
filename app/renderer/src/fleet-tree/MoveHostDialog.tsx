// The keyboard way to move a host between server pools (the mouse way is drag and drop).
import { useState } from 'react';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
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
        <ErrorBox>{error}</ErrorBox>
        <DialogButtons onDismiss={onClose} action={{ label: 'Move', busy }} />
      </form>
    </Dialog>
  );
}
