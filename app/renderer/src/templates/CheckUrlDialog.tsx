// Checks a download URL from one connected host without registering anything: every candidate
// (each mirror of a metalink, in priority order) with its result.
import { useId, useState, type FormEvent } from 'react';
import type { UrlCheckView } from '../../../shared/contract/convirt-contract.js';
import { validateDownloadUrl } from '../../../shared/validation/download-source.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { describedBy } from '../common/Field.js';
import { errorMessage } from '../common/errors.js';
import { formatBytes } from '../common/format.js';

export function CheckUrlDialog({ onClose }: { onClose: () => void }) {
  const client = useClient();
  const urlId = useId();
  const errorId = `${urlId}-error`;
  const [url, setUrl] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<UrlCheckView | null>(null);

  const check = (e: FormEvent) => {
    e.preventDefault();
    const text = url.trim();
    try {
      validateDownloadUrl(text);
    } catch (err) {
      setError(errorMessage(err));
      return;
    }
    setError(null);
    setResult(null);
    setBusy(true);
    client
      .checkTemplateUrl(text)
      .then(setResult)
      .catch((err: unknown) => setError(errorMessage(err)))
      .finally(() => setBusy(false));
  };

  return (
    <Dialog title="Check a download URL" onClose={onClose} wide>
      <form noValidate onSubmit={check} className="inline-form">
        <label htmlFor={urlId}>URL</label>
        <input
          id={urlId}
          className="grow"
          type="url"
          autoFocus
          value={url}
          onChange={(e) => setUrl(e.target.value)}
          {...describedBy(null, error ? errorId : null)}
        />
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Checking…' : 'Check'}
        </button>
      </form>
      {/* Under the form, as wide as the dialog: the reason a check failed can be long. */}
      <ErrorBox id={errorId}>{error}</ErrorBox>
      {result ? <CheckResult result={result} /> : null}
      <DialogButtons dismiss="Close" onDismiss={onClose} />
    </Dialog>
  );
}

function CheckResult({ result }: { result: UrlCheckView }) {
  return (
    <>
      <p role="status" className="wrap">
        Checked from {result.host}:{' '}
        {result.reachable ? `reachable at ${result.reachable}` : 'no candidate URL is reachable'}.
      </p>
      {result.metalinkHashes?.length ? (
        <p className="wrap">
          Metalink hash: <code className="mono">{result.metalinkHashes[0]}</code>
        </p>
      ) : null}
      <table className="table" aria-label="Candidate URLs">
        <ColumnHeaders columns={['URL', 'Result']} />
        <tbody>
          {result.candidates.map((c) => (
            <tr key={c.url}>
              <td className="mono wrap">{c.url}</td>
              <td>
                {c.ok
                  ? `OK (HTTP ${c.status}${c.size === null ? '' : `, ${formatBytes(c.size)}`})`
                  : `Failed: ${c.error ?? `HTTP ${c.status}`}`}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </>
  );
}
