// Answers main's secretRequested events: an SSH password or key passphrase, or the master
// passphrase of ConVirt's secret store. The secret lives only in this dialog's input until it is
// sent; it is never put in a store here or logged. Main keeps an SSH secret in memory for the
// session, and in its encrypted secret store only when "Remember" is ticked.
import { useEffect, useId, useRef, useState } from 'react';
import type { SecretRequest } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { Dialog } from '../common/Dialog.js';

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

function SecretDialog({
  request,
  onAnswer,
}: {
  request: SecretRequest;
  onAnswer: (value: string | null, remember?: boolean) => void;
}) {
  const id = useId();
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
        <div className="field">
          <label htmlFor={id}>
            {wording.label} {request.prompt}
          </label>
          <input id={id} ref={input} type="password" autoComplete="off" autoFocus required />
        </div>
        {ssh ? (
          <>
            <label className="checkbox">
              <input
                type="checkbox"
                checked={remember}
                onChange={(e) => setRemember(e.target.checked)}
              />
              Remember
            </label>
            <p className="muted">
              Kept in memory until ConVirt closes. Remember keeps it encrypted in ConVirt&apos;s
              secret store, until you forget it.
            </p>
          </>
        ) : (
          <p className="muted">
            {request.kind === 'new-master-passphrase'
              ? 'ConVirt encrypts the secrets it remembers with this passphrase. It cannot be recovered.'
              : 'Unlocks the secrets ConVirt remembers, for as long as it runs.'}
          </p>
        )}
        <div className="dialog-buttons">
          <button type="button" onClick={() => onAnswer(null)}>
            Cancel
          </button>
          <button type="submit" className="primary">
            Send
          </button>
        </div>
      </form>
    </Dialog>
  );
}
