// Provisioning a VM from an appliance: the target host (changeable), the VM's name and the
// appliance's customizable options with their defaults, each checked as it is typed. Submitting
// starts the task, followed in the task pane; the host is polled again when it ends.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import type { ApplianceInfo, ApplianceOption } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { Dialog } from '../common/Dialog.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore, type ProvisionRequest } from '../store/view-store.js';
import { useAppliances } from './appliance-store.js';
import {
  checkProvisionForm,
  defaultValues,
  hostRefusal,
  type OptionValues,
} from './provision-form.js';

export function ProvisionDialog({ request }: { request: ProvisionRequest }) {
  const { appliances, error } = useAppliances();
  const close = useViewStore((s) => s.closeProvision);
  if (!appliances) {
    return (
      <Dialog title="Provision a VM" onClose={close}>
        <p role={error ? 'alert' : 'status'}>{error ?? 'Loading the image store…'}</p>
        <div className="dialog-buttons">
          <button type="button" onClick={close}>
            Cancel
          </button>
        </div>
      </Dialog>
    );
  }
  return <ProvisionForm request={request} appliances={appliances} onClose={close} />;
}

function firstAppliance(
  appliances: ApplianceInfo[],
  wanted: string | null,
): ApplianceInfo | undefined {
  return (
    appliances.find((a) => a.name === wanted) ??
    appliances.find((a) => a.isDefault) ??
    appliances[0]
  );
}

/** What an option left empty becomes. */
function unsetPlaceholder(option: ApplianceOption): string {
  if (option.type === 'mac') return 'generated';
  if (option.type === 'bridge') return "the host's bridge";
  if (option.unit === 'MiB') return "the image's size";
  return 'not set';
}

function ProvisionForm({
  request,
  appliances,
  onClose,
}: {
  request: ProvisionRequest;
  appliances: ApplianceInfo[];
  onClose: () => void;
}) {
  const client = useClient();
  const hosts = useFleetStore((s) => s.hosts);
  const hostNames = useFleetStore((s) => s.hostNames);
  const applyTask = useFleetStore((s) => s.applyTask);
  const id = useId();
  const nameInput = useRef<HTMLInputElement>(null);
  // The dialog focuses its first control when it opens; the VM name is what is typed first.
  useEffect(() => {
    nameInput.current?.focus();
  }, []);
  const [applianceName, setApplianceName] = useState(
    () => firstAppliance(appliances, request.appliance)?.name ?? '',
  );
  const appliance = appliances.find((a) => a.name === applianceName);
  const [host, setHost] = useState(() => {
    const start = firstAppliance(appliances, request.appliance);
    return (
      request.host ??
      hostNames.find((h) => start && hosts[h] && !hostRefusal(start, hosts[h])) ??
      hostNames[0] ??
      ''
    );
  });
  const [name, setName] = useState('');
  const [values, setValues] = useState<OptionValues>(() =>
    appliance ? defaultValues(appliance) : {},
  );
  const [start, setStart] = useState(true);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<{ field: string | null; message: string } | null>(
    null,
  );

  const check = useMemo(
    () => (appliance ? checkProvisionForm(appliance, hosts[host], name, values) : null),
    [appliance, hosts, host, name, values],
  );
  if (!appliance || !check) {
    return (
      <Dialog title="Provision a VM" onClose={onClose}>
        <p role="status">The image store has no appliances.</p>
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Close
          </button>
        </div>
      </Dialog>
    );
  }

  const touch = (field: string) => {
    setServerError(null);
    setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));
  };
  const shownError = (field: string): string | null => {
    if (serverError?.field === field) return serverError.message;
    // The host field speaks at once: a refused host is the first thing to know.
    if (!submitted && !touched.has(field) && field !== 'host' && field !== 'appliance') return null;
    return check.errors[field] ?? null;
  };
  const fieldId = (field: string) => `${id}-${field}`;
  const errorProps = (field: string) => {
    const message = shownError(field);
    return message
      ? { 'aria-invalid': true as const, 'aria-describedby': `${fieldId(field)}-error` }
      : {};
  };
  const fieldError = (field: string) => {
    const message = shownError(field);
    return message ? (
      <span id={`${fieldId(field)}-error`} className="field-error">
        {message}
      </span>
    ) : null;
  };

  const submit = (e: FormEvent) => {
    e.preventDefault();
    setSubmitted(true);
    setServerError(null);
    const firstInvalid = Object.keys(check.errors)[0];
    if (firstInvalid) {
      document.getElementById(fieldId(firstInvalid))?.focus();
      return;
    }
    setBusy(true);
    client
      .provisionVm(host, appliance.name, name, check.params, { start })
      .then((task) => {
        applyTask(task);
        onClose();
      })
      .catch((err: unknown) => {
        const field = contractErrorData(err)?.field ?? null;
        const known = field && (field === 'name' || field in values) ? field : null;
        setServerError({ field: known, message: errorMessage(err) });
      })
      .finally(() => setBusy(false));
  };

  return (
    <Dialog title={`Provision a VM from ${appliance.title}`} onClose={onClose}>
      <form className="provision-form" noValidate onSubmit={submit}>
        <div className="field-pair">
          <div className="field">
            <label htmlFor={fieldId('appliance')}>Appliance</label>
            <select
              id={fieldId('appliance')}
              value={appliance.name}
              onChange={(e) => {
                const next = appliances.find((a) => a.name === e.target.value);
                setApplianceName(e.target.value);
                if (next) setValues(defaultValues(next));
                setTouched(new Set());
                setServerError(null);
              }}
              {...errorProps('appliance')}
            >
              {appliances.map((a) => (
                <option key={a.name} value={a.name}>
                  {a.title}
                </option>
              ))}
            </select>
            {fieldError('appliance')}
          </div>
          <div className="field">
            <label htmlFor={fieldId('host')}>Host</label>
            <select
              id={fieldId('host')}
              value={host}
              onChange={(e) => {
                setHost(e.target.value);
                touch('host');
              }}
              {...errorProps('host')}
            >
              {host === '' ? <option value="">No hosts</option> : null}
              {hostNames.map((h) => (
                <option key={h} value={h}>
                  {h} ({hosts[h]?.hypervisor.toUpperCase()})
                </option>
              ))}
            </select>
            {fieldError('host')}
          </div>
        </div>
        <div className="field">
          <label htmlFor={fieldId('name')}>VM name</label>
          <input
            id={fieldId('name')}
            ref={nameInput}
            value={name}
            placeholder="db2"
            onChange={(e) => {
              setName(e.target.value);
              touch('name');
            }}
            {...errorProps('name')}
          />
          {fieldError('name')}
        </div>
        <fieldset className="field option-grid">
          <legend>Options</legend>
          {appliance.options.map((option) => (
            <div className="field" key={option.key}>
              <label htmlFor={fieldId(option.key)}>
                {option.label}
                {option.unit ? ` (${option.unit})` : ''}
              </label>
              <input
                id={fieldId(option.key)}
                inputMode={option.type === 'integer' ? 'numeric' : undefined}
                value={values[option.key] ?? ''}
                placeholder={option.default === null ? unsetPlaceholder(option) : undefined}
                onChange={(e) => {
                  setValues((v) => ({ ...v, [option.key]: e.target.value }));
                  touch(option.key);
                }}
                {...errorProps(option.key)}
              />
              {fieldError(option.key)}
            </div>
          ))}
        </fieldset>
        <label className="checkbox">
          <input type="checkbox" checked={start} onChange={(e) => setStart(e.target.checked)} />{' '}
          Start the VM once it is defined
        </label>
        {serverError && serverError.field === null ? (
          <p role="alert" className="error-box">
            {serverError.message}
          </p>
        ) : null}
        {submitted && Object.keys(check.errors).length ? (
          <p role="alert" className="error-box">
            Correct the marked fields; nothing was started.
          </p>
        ) : null}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            {busy ? 'Starting…' : 'Provision'}
          </button>
        </div>
      </form>
    </Dialog>
  );
}
