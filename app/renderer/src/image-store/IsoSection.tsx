// The image store's ISOs for one host: those uploaded to its ISO folder, how much of the folder's
// quota they use (isoSettings, listIsos), and an upload from a file of the machine ConVirt runs
// on, followed in the task pane. There is no file picker: the page cannot name a file of that
// machine, and the Electron preload has no file dialog, so the path is typed.
import { useEffect, useId, useState, type FormEvent } from 'react';
import type { IsoSettings } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { Field } from '../common/Field.js';
import { Meter } from '../common/Meter.js';
import { errorMessage } from '../common/errors.js';
import { formatBytes, formatMiB } from '../common/format.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useHostIsos } from './host-isos.js';

const MiB = 1024 * 1024;

export function IsoSection({ host }: { host: string }) {
  const client = useClient();
  const applyTask = useFleetStore((s) => s.applyTask);
  const { isos, error, reload } = useHostIsos(host);
  const [settings, setSettings] = useState<{ host: string; value: IsoSettings } | null>(null);
  const [file, setFile] = useState('');
  const [busy, setBusy] = useState(false);
  const [uploadError, setUploadError] = useState<string | null>(null);
  const titleId = useId();

  useEffect(() => {
    let current = true;
    client
      .isoSettings(host)
      .then((value) => current && setSettings({ host, value }))
      .catch(() => undefined);
    return () => {
      current = false;
    };
  }, [client, host]);

  const quota = settings?.host === host ? settings.value : isos;
  const upload = (e: FormEvent) => {
    e.preventDefault();
    setUploadError(null);
    if (!file.trim()) {
      setUploadError('Give the path of an ISO file on the machine ConVirt runs on.');
      return;
    }
    setBusy(true);
    client
      .uploadIso(host, file.trim())
      .then((task) => {
        applyTask(task);
        setFile('');
        return client.waitForTask(task.id);
      })
      .then((outcome) => {
        if (outcome.task.status === 'failed') setUploadError(outcome.task.error);
      })
      .catch((err: unknown) => setUploadError(errorMessage(err)))
      .finally(() => {
        setBusy(false);
        reload();
      });
  };

  return (
    <section className="iso-section" aria-labelledby={titleId}>
      <h2 id={titleId}>ISOs on {host}</h2>
      {quota ? (
        <Meter
          label={`ISO quota of ${host}`}
          value={isos && quota.quotaMiB ? isos.usedBytes / (quota.quotaMiB * MiB) : null}
          text={`${isos ? formatBytes(isos.usedBytes) : '…'} of ${formatMiB(quota.quotaMiB)} used in ${quota.dir}`}
        />
      ) : null}
      <ErrorBox>{error ? `The ISOs of ${host} cannot be listed: ${error}` : null}</ErrorBox>
      {isos && isos.isos.length === 0 ? <p className="muted">No ISO uploaded yet.</p> : null}
      {isos && isos.isos.length ? (
        <ul className="iso-list" aria-label={`Uploaded ISOs of ${host}`}>
          {isos.isos.map((iso) => (
            <li key={iso.path} aria-label={`${iso.name}, ${formatBytes(iso.sizeBytes)}`}>
              <span className="mono">{iso.name}</span>{' '}
              <span className="muted">{formatBytes(iso.sizeBytes)}</span>
            </li>
          ))}
        </ul>
      ) : null}
      <form className="iso-upload" noValidate onSubmit={upload}>
        <Field
          label="ISO file on the ConVirt machine"
          error={uploadError}
          announceError
          hint="A path on the machine ConVirt runs on (an ISO 9660 image); the upload counts against the quota."
          extra={
            <button type="submit" disabled={busy}>
              {busy ? 'Uploading…' : `Upload to ${host}`}
            </button>
          }
        >
          {(control) => (
            <input
              {...control}
              className="mono"
              value={file}
              placeholder="/home/me/debian-12-netinst.iso"
              spellCheck={false}
              onChange={(e) => {
                setFile(e.target.value);
                setUploadError(null);
              }}
            />
          )}
        </Field>
      </form>
    </section>
  );
}
