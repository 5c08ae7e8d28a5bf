// Answers main's secretRequested events (a password or a key's passphrase). The secret lives only
// in this dialog's input until it is sent; it is never put in a store or logged.
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
  const answer = (value: string | null) => {
    setQueue((q) => q.slice(1));
    void client.answerSecret(request.requestId, value).catch(() => {
      // The request timed out or was withdrawn: nothing waits for this answer any more.
    });
  };
  return <SecretDialog key={request.requestId} request={request} onAnswer={answer} />;
}

function SecretDialog({
  request,
  onAnswer,
}: {
  request: SecretRequest;
  onAnswer: (value: string | null) => void;
}) {
  const id = useId();
  const input = useRef<HTMLInputElement>(null);
  const title = request.kind === 'password' ? 'Password needed' : 'Passphrase needed';
  return (
    <Dialog title={title} onClose={() => onAnswer(null)}>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          const value = input.current?.value ?? '';
          if (input.current) input.current.value = '';
          onAnswer(value);
        }}
      >
        <div className="field">
          <label htmlFor={id}>
            {request.kind === 'password' ? 'Password for' : 'Passphrase of'} {request.prompt}
          </label>
          <input id={id} ref={input} type="password" autoComplete="off" autoFocus required />
        </div>
        <p className="muted">Used for this connection only; ConVirt never stores it.</p>
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
