// Evacuating a host for maintenance: which running VMs leave it and by what rule they are placed,
// then evacuateHost (one migration task each, in the task pane). Main places them and checks every
// move before the first starts; a VM without room or a failed check refuses the whole evacuation,
// and its reason is shown here.
import { useState } from 'react';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';
import { formatMiB } from '../common/format.js';
import { useFleetStore } from '../store/fleet-store.js';
import { runningVmsOf } from './migrate-form.js';

export function EvacuateDialog({ host, onClose }: { host: string; onClose: () => void }) {
  const client = useClient();
  const vmsByHost = useFleetStore((s) => s.vmsByHost);
  const keys = useFleetStore((s) => s.vmKeysByHost[host]);
  const applyTask = useFleetStore((s) => s.applyTask);
  const [error, setError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const leaving = runningVmsOf(keys ?? [], vmsByHost);

  const evacuate = () => {
    setStarting(true);
    setError(null);
    client
      .evacuateHost(host)
      .then((tasks) => {
        tasks.forEach(applyTask);
        onClose();
      })
      .catch((err: unknown) => {
        setError(errorMessage(err));
        setStarting(false);
      });
  };

  return (
    <Dialog title={`Evacuate ${host}`} onClose={onClose}>
      {leaving.length === 0 ? (
        <p role="note">No VM runs on {host}: there is nothing to move.</p>
      ) : (
        <>
          <p>
            {leaving.length === 1
              ? 'This running VM moves'
              : `These ${leaving.length} running VMs move`}{' '}
            live to the other hosts of {host}&apos;s server pool (every other host of its hypervisor
            when it is in none), the largest first, each to the host with the most free memory left.
            Every move is checked first: if one cannot be made, nothing moves.
          </p>
          <ul aria-label="VMs that move">
            {leaving.map((vm) => (
              <li key={vm.name}>
                {vm.name} <span className="muted">({formatMiB(vm.memoryMiB)})</span>
              </li>
            ))}
          </ul>
        </>
      )}
      <ErrorBox>{error}</ErrorBox>
      <DialogButtons
        onDismiss={onClose}
        action={{
          label: 'Evacuate',
          busy: starting,
          busyLabel: 'Checking…',
          disabled: leaving.length === 0,
          onClick: evacuate,
        }}
      />
    </Dialog>
  );
}
