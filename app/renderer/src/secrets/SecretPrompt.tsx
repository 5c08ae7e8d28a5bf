// Answers main's secretRequested events: an SSH password or key passphrase, or the master
// passphrase of ConVirt's secret store. The secret lives only in this dialog's input until it is
// sent; it is never put in a store here or logged. Main keeps an SSH secret in memory for the
// session, and in its encrypted secret store only when "Remember" is ticked.
import { useEffect, useRef, useState } from 'react';
import type { SecretRequest } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { Checkbox, Field } from '../common/Field.js';

export function SecretPrompt() {
  const client = useClient();
  const [queue, setQueue] = useState<SecretRequest[]>([]);
  useEffect(() => client.on('secretRequested', (r) => setQueue((q) => [...q, r])), [client]);
  const request = queue[0];
  if (!request) return null;
  const answer = (value: string | null, remember = false) => {
    setQueue((q) => q.slice(1));
    void client.answerSecret(request.requestId, value, { remember }).catch(() => {
      // The request timed out or was withdrawn: nothing waits for this answer any more.
    });
  };
  return <SecretDialog key={request.requestId} request={request} onAnswer={answer} />;
}

const WORDING: Record<SecretRequest['kind'], { title: string; label: string }> = {
  password: { title: 'Password needed', label: 'Password for' },
  passphrase: { title: 'Passphrase needed', label: 'Passphrase of' },
  'master-passphrase': { title: 'Master passphrase needed', label: 'Master passphrase of' },
  'new-master-passphrase': { title: 'New master passphrase', label: 'New master passphrase for' },
};

const SSH_SECRET_HINT =
  "Kept in memory until ConVirt closes. Remember keeps it encrypted in ConVirt's secret store, until you forget it.";

/** What happens to the secret, read with its field. */
const HINTS: Record<SecretRequest['kind'], string> = {
  password: SSH_SECRET_HINT,
  passphrase: SSH_SECRET_HINT,
  'master-passphrase': 'Unlocks the secrets ConVirt remembers, for as long as it runs.',
  'new-master-passphrase':
    'ConVirt encrypts the secrets it remembers with this passphrase. It cannot be recovered.',
};

function SecretDialog({
  request,
  onAnswer,
}: {
  request: SecretRequest;
  onAnswer: (value: string | null, remember?: boolean) => void;
}) {
  const input = useRef<HTMLInputElement>(null);
  const [remember, setRemember] = useState(false);
  const ssh = request.kind === 'password' || request.kind === 'passphrase';
  const wording = WORDING[request.kind];
  return (
    <Dialog title={wording.title} onClose={() => onAnswer(null)}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const value = input.current?.value ?? '';
          if (input.current) input.current.value = '';
          onAnswer(value, ssh && remember);
        }}
      >
        <Field label={`${wording.label} ${request.prompt}`} hint={HINTS[request.kind]}>
          {(control) => (
            <input {...control} ref={input} type="password" autoComplete="off" autoFocus required />
          )}
        </Field>
        {ssh ? <Checkbox label="Remember" checked={remember} onChange={setRemember} /> : null}
        <DialogButtons onDismiss={() => onAnswer(null)} action={{ label: 'Send' }} />
      </form>
    </Dialog>
  );
}
