// Certificates for HTTPS downloads by the hosts: a CA to trust, or a client certificate and its
// key (sent once, installed on every host, never kept by ConVirt). Listed with subject and
// validity; removing one takes it off every host.
import { useState, type ChangeEvent, type FormEvent } from 'react';
import type { CertificateInfo } from '../../../shared/contract/convirt-contract.js';
import type { CertificateKind } from '../../../shared/domain/url-template.js';
import { validateCertificateName } from '../../../shared/validation/url-template.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { ConfirmButton } from '../common/ConfirmButton.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { Field, RadioGroup } from '../common/Field.js';
import { useFleetStore } from '../store/fleet-store.js';

interface UploadForm {
  name: string;
  kind: CertificateKind;
  pem: string;
  keyPem: string;
}

const EMPTY: UploadForm = { name: '', kind: 'ca', pem: '', keyPem: '' };

const KINDS = [
  ['ca', 'CA to trust'],
  ['client', 'Client certificate and key'],
] as const;

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
  const remove = (name: string) => {
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
          <ColumnHeaders
            columns={[
              'Name',
              'Kind',
              'Subject',
              'Valid from (UTC)',
              'Valid until (UTC)',
              'Actions',
            ]}
          />
          <tbody>
            {certificates.map((c) => (
              <tr key={c.name}>
                <th scope="row">{c.name}</th>
                <td>{c.kind === 'ca' ? 'CA' : 'Client'}</td>
                <td className="mono wrap">{c.subject.replace(/\n/g, ', ')}</td>
                <td>{c.validFrom.slice(0, 16).replace('T', ' ')}</td>
                <td>{c.validTo.slice(0, 16).replace('T', ' ')}</td>
                <td className="row-actions">
                  <ConfirmButton
                    label={`Remove certificate ${c.name}`}
                    question={`Remove the certificate ${c.name} from every host?`}
                    confirm={`Really remove ${c.name}`}
                    onConfirm={() => remove(c.name)}
                  >
                    Remove…
                  </ConfirmButton>
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

  const errorFor = (field: string) => (error?.field === field ? error.message : null);
  /** A PEM text area, typed or read from a file; `field` names it in the contract's errors. */
  const pemField = (
    key: 'pem' | 'keyPem',
    field: 'pem' | 'key',
    label: string,
    pemType: string,
    [fileLabel, accept]: [string, string],
  ) => (
    <Field
      label={label}
      error={errorFor(field)}
      announceError
      extra={
        <label>
          {fileLabel} <input type="file" accept={accept} onChange={readFile(key)} />
        </label>
      }
    >
      {(control) => (
        <textarea
          {...control}
          className="mono"
          rows={4}
          autoComplete="off"
          placeholder={`-----BEGIN ${pemType}-----`}
          value={form[key]}
          onChange={(e) => set(key, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <form
      className="certificate-form"
      aria-label="Upload a certificate"
      noValidate
      onSubmit={submit}
    >
      <h3>Upload a certificate</h3>
      <div className="field-row even">
        <Field label="Certificate name" error={errorFor('name')} announceError>
          {(control) => (
            <input {...control} value={form.name} onChange={(e) => set('name', e.target.value)} />
          )}
        </Field>
        <RadioGroup
          legend="Kind"
          options={KINDS}
          value={form.kind}
          onChange={(kind) => set('kind', kind)}
        />
      </div>
      {pemField('pem', 'pem', 'Certificate (PEM)', 'CERTIFICATE', [
        'Certificate file',
        '.pem,.crt,.cer',
      ])}
      {form.kind === 'client'
        ? pemField(
            'keyPem',
            'key',
            'Private key (PEM, sent once, never stored here)',
            'PRIVATE KEY',
            ['Key file', '.pem,.key'],
          )
        : null}
      <ErrorBox>{errorFor('form')}</ErrorBox>
      <div className="dialog-buttons">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Installing…' : 'Upload certificate'}
        </button>
      </div>
    </form>
  );
}
