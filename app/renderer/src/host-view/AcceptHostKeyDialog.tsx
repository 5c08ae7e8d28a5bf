// A host whose key changed is refused until the operator accepts the new key: this asks for that
// confirmation, showing the key ConVirt knew and the one the host offers now.
import { useState } from 'react';
import type { HostKeyChange } from '../../../shared/domain/host-key-change.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';

export function AcceptHostKeyDialog({
  host,
  change,
  onClose,
}: {
  host: string;
  change: HostKeyChange;
  onClose: () => void;
}) {
  const client = useClient();
  const notify = useFleetStore((s) => s.notify);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const accept = () => {
    setBusy(true);
    client
      .acceptHostKey(host, change.offered)
      .then(() => {
        notify('info', `Accepted the new key of ${host}.`);
        onClose();
      })
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setBusy(false));
  };
  return (
    <Dialog title={`Accept the new key of ${host}?`} onClose={onClose} alert>
      <p>
        The host offers a key ConVirt does not know. Someone may be intercepting the connection;
        accept it only once the host&apos;s administrator has confirmed the new fingerprint (for
        example with <code>ssh-keygen -lf</code> on the host&apos;s key).
      </p>
      <dl className="facts">
        <dt>Known key</dt>
        <dd>
          {change.known.map((fingerprint) => (
            <code key={fingerprint} className="fingerprint" aria-label="Known key fingerprint">
              {fingerprint}
            </code>
          ))}
        </dd>
        <dt>New key</dt>
        <dd>
          <code className="fingerprint" aria-label="New key fingerprint">
            {change.offered}
          </code>
        </dd>
      </dl>
      <ErrorBox>{error}</ErrorBox>
      <DialogButtons
        onDismiss={onClose}
        action={{
          label: 'Accept the new key',
          busy,
          busyLabel: 'Connecting…',
          onClick: accept,
        }}
      />
    </Dialog>
  );
}
