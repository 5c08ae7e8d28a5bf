// Certificates for HTTPS downloads by the hosts: a CA to trust, or a client certificate and its
// key (sent once, installed on every host, never kept by ConVirt). Listed with subject and
// validity; removing one takes it off every host.
import { useId, useState, type ChangeEvent, type FormEvent } from 'react';
import type { CertificateInfo } from '../../../shared/contract/convirt-contract.js';
import type { CertificateKind } from '../../../shared/domain/url-template.js';
import { validateCertificateName } from '../../../shared/validation/url-template.js';
import { useClient } from '../client-context.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';

interface UploadForm {
  name: string;
  kind: CertificateKind;
  pem: string;
  keyPem: string;
}

const EMPTY: UploadForm = { name: '', kind: 'ca', pem: '', keyPem: '' };

/** Hosts a change did not reach, as a notice (the certificate itself was recorded). */
function reportFailed(
  notify: ReturnType<typeof useFleetStore.getState>['notify'],
  failed: string[],
) {
  if (failed.length) notify('error', `Not installed on: ${failed.join('; ')}`);
}

export function CertificatesPanel({ certificates }: { certificates: CertificateInfo[] | null }) {
  const client = useClient();
  const notify = useFleetStore((s) => s.notify);
  const [confirm, setConfirm] = useState<string | null>(null);
  const remove = (name: string) => {
    setConfirm(null);
    client
      .removeCertificate(name)
      .then(({ failed }) => reportFailed(notify, failed))
      .catch((err: unknown) => notify('error', `Remove ${name}: ${errorMessage(err)}`));
  };
  return (
    <section className="panel" aria-labelledby="certificates-title">
      <h2 id="certificates-title">Certificates for downloads</h2>
      {certificates === null ? null : certificates.length === 0 ? (
        <p role="status">No certificates: HTTPS servers are checked against the hosts' own CAs.</p>
      ) : (
        <table className="table" aria-label="Certificates">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Subject</th>
              <th scope="col">Valid from (UTC)</th>
              <th scope="col">Valid until (UTC)</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {certificates.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.kind === 'ca' ? 'CA' : 'Client'}</td>
                <td className="mono wrap">{c.subject.replace(/\n/g, ', ')}</td>
                <td>{c.validFrom.slice(0, 16).replace('T', ' ')}</td>
                <td>{c.validTo.slice(0, 16).replace('T', ' ')}</td>
                <td className="row-actions">
                  {confirm === c.name ? (
                    <>
                      <button type="button" className="danger" onClick={() => remove(c.name)}>
                        Really remove {c.name}
                      </button>
                      <button type="button" onClick={() => setConfirm(null)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <button
                      type="button"
                      aria-label={`Remove certificate ${c.name}`}
                      onClick={() => setConfirm(c.name)}
                    >
                      Remove…
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      <UploadCertificate />
    </section>
  );
}

function UploadCertificate() {
  const client = useClient();
  const notify = useFleetStore((s) => s.notify);
  const id = useId();
  const [form, setForm] = useState<UploadForm>(EMPTY);
  const [error, setError] = useState<{ field: string; message: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof UploadForm>(key: K, value: UploadForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const readFile = (key: 'pem' | 'keyPem') => (e: ChangeEvent<HTMLInputElement>) => {
    const file = e.target.files?.[0];
    if (file) void file.text().then((text) => set(key, text));
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const name = form.name.trim();
    try {
      validateCertificateName(name);
    } catch (err) {
      setError({ field: 'name', message: errorMessage(err) });
      return;
    }
    setError(null);
    setBusy(true);
    client
      .addCertificate({
        name,
        kind: form.kind,
        pem: form.pem,
        ...(form.kind === 'client' ? { keyPem: form.keyPem } : {}),
      })
      .then(({ info, failed }) => {
        // The key is gone from this page as soon as it was sent.
        setForm(EMPTY);
        notify('info', `Certificate ${info.name} installed on the hosts.`);
        reportFailed(notify, failed);
      })
      .catch((err: unknown) => {
        const field = contractErrorData(err)?.field?.replace(/^.*\./, '') ?? '';
        const shown = ['name', 'pem', 'key'].includes(field) ? field : 'form';
        setError({ field: shown, message: errorMessage(err) });
      })
      .finally(() => setBusy(false));
  };

  const errorFor = (field: string) =>
    error?.field === field ? (
      <span id={`${id}-${field}-error`} role="alert" className="field-error">
        {error.message}
      </span>
    ) : null;
  const described = (field: string) =>
    error?.field === field
      ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-${field}-error` }
      : {};

  return (
    <form
      className="certificate-form"
      aria-label="Upload a certificate"
      noValidate
      onSubmit={submit}
    >
      <h3>Upload a certificate</h3>
      <div className="field-row even">
        <div className="field">
          <label htmlFor={`${id}-name`}>Certificate name</label>
          <input
            id={`${id}-name`}
            value={form.name}
            onChange={(e) => set('name', e.target.value)}
            {...described('name')}
          />
          {errorFor('name')}
        </div>
        <fieldset className="field">
          <legend>Kind</legend>
          <label className="radio">
            <input
              type="radio"
              name={`${id}-kind`}
              checked={form.kind === 'ca'}
              onChange={() => set('kind', 'ca')}
            />{' '}
            CA to trust
          </label>
          <label className="radio">
            <input
              type="radio"
              name={`${id}-kind`}
              checked={form.kind === 'client'}
              onChange={() => set('kind', 'client')}
            />{' '}
            Client certificate and key
          </label>
        </fieldset>
      </div>
      <div className="field">
        <label htmlFor={`${id}-pem`}>Certificate (PEM)</label>
        <textarea
          id={`${id}-pem`}
          className="mono"
          rows={4}
          placeholder="-----BEGIN CERTIFICATE-----"
          value={form.pem}
          onChange={(e) => set('pem', e.target.value)}
          {...described('pem')}
        />
        <label>
          Certificate file <input type="file" accept=".pem,.crt,.cer" onChange={readFile('pem')} />
        </label>
        {errorFor('pem')}
      </div>
      {form.kind === 'client' ? (
        <div className="field">
          <label htmlFor={`${id}-key`}>Private key (PEM, sent once, never stored here)</label>
          <textarea
            id={`${id}-key`}
            className="mono"
            rows={4}
            autoComplete="off"
            placeholder="-----BEGIN PRIVATE KEY-----"
            value={form.keyPem}
            onChange={(e) => set('keyPem', e.target.value)}
            {...described('key')}
          />
          <label>
            Key file <input type="file" accept=".pem,.key" onChange={readFile('keyPem')} />
          </label>
          {errorFor('key')}
        </div>
      ) : null}
      {errorFor('form')}
      <div className="dialog-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Installing…' : 'Upload certificate'}
        </button>
      </div>
    </form>
  );
}
