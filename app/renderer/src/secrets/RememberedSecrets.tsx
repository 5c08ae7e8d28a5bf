// The SSH passwords and passphrases ConVirt remembers (names only, never values), each with a
// Forget button. Opened from the top bar.
import { useCallback, useEffect, useState } from 'react';
import type { RememberedSecret } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';

export function RememberedSecrets({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const [secrets, setSecrets] = useState<RememberedSecret[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const load = useCallback(() => {
    client.listRememberedSecrets().then(setSecrets, (err: unknown) => setError(errorMessage(err)));
  }, [client]);
  useEffect(load, [load]);
  const forget = (id: string) => {
    setError(null);
    client.forgetSecret(id).then(load, (err: unknown) => setError(errorMessage(err)));
  };
  return (
    <Dialog title="Remembered secrets" onClose={onClose}>
      {secrets === null && !error ? <p>Loading…</p> : null}
      {secrets?.length === 0 ? <p className="muted">ConVirt remembers no secret.</p> : null}
      {secrets?.length ? (
        <ul aria-label="Remembered secrets" className="plain-list">
          {secrets.map((s) => (
            <li key={s.id}>
              {s.label}{' '}
              <button type="button" aria-label={`Forget ${s.label}`} onClick={() => forget(s.id)}>
                Forget
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <ErrorBox>{error}</ErrorBox>
      <DialogButtons dismiss="Close" onDismiss={onClose} />
    </Dialog>
  );
}
