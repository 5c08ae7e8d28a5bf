// Registers a template or ISO by URL: name, URL, format, checksum, OS, hypervisor, HTTP headers
// (values typed as secrets, never shown again) and direct download. Every field is checked here
// by the shared validators first; the registration itself is a task followed in the task pane.
import { useId, useState, type FormEvent } from 'react';
import { HYPERVISORS } from '../../../shared/domain/host.js';
import { TEMPLATE_FORMATS } from '../../../shared/validation/url-template.js';
import { useClient } from '../client-context.js';
import { Dialog } from '../common/Dialog.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import {
  checkRegisterForm,
  EMPTY_REGISTER_FORM,
  type RegisterErrors,
  type RegisterForm,
} from './register-form.js';

const INLINE_FIELDS = ['name', 'url', 'checksum', 'os'];

interface RegisterTemplateDialogProps {
  /** The uploaded client certificates' names, for servers that require one. */
  clientCertificates: string[];
  onClose: () => void;
}

export function RegisterTemplateDialog({
  clientCertificates,
  onClose,
}: RegisterTemplateDialogProps) {
  const client = useClient();
  const applyTask = useFleetStore((s) => s.applyTask);
  const id = useId();
  const [form, setForm] = useState<RegisterForm>(EMPTY_REGISTER_FORM);
  const [errors, setErrors] = useState<RegisterErrors>({});
  const [refused, setRefused] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof RegisterForm>(key: K, value: RegisterForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const setHeader = (index: number, part: 'name' | 'value', value: string) =>
    set(
      'headers',
      form.headers.map((h, i) => (i === index ? { ...h, [part]: value } : h)),
    );

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkRegisterForm(form);
    setRefused(null);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setBusy(true);
    client
      .registerTemplate(checked.request)
      .then((task) => {
        applyTask(task);
        onClose();
      })
      .catch((err: unknown) => {
        // A refusal naming a field of the form (e.g. a name taken meanwhile) shows beside it.
        const field = contractErrorData(err)?.field?.replace(/^.*\./, '');
        if (field && INLINE_FIELDS.includes(field)) {
          setErrors({ [field]: errorMessage(err) });
        } else {
          setRefused(errorMessage(err));
        }
      })
      .finally(() => setBusy(false));
  };

  const fieldId = (key: string) => `${id}-${key}`;
  /** The props tying an input to its inline error. */
  const described = (key: string) => {
    const error = errors[key];
    return error
      ? { 'aria-invalid': true as const, 'aria-describedby': fieldId(`${key}-error`) }
      : {};
  };
  const errorText = (key: string) =>
    errors[key] ? (
      <span id={fieldId(`${key}-error`)} className="field-error" role="alert">
        {errors[key]}
      </span>
    ) : null;

  return (
    <Dialog title="Register a template or ISO" onClose={onClose}>
      <form noValidate onSubmit={submit}>
        <div className="field-row">
          <div className="field">
            <label htmlFor={fieldId('name')}>Name</label>
            <input
              id={fieldId('name')}
              autoFocus
              value={form.name}
              onChange={(e) => set('name', e.target.value)}
              {...described('name')}
            />
            {errorText('name')}
          </div>
          <div className="field">
            <label htmlFor={fieldId('format')}>Format</label>
            <select
              id={fieldId('format')}
              value={form.format}
              onChange={(e) => set('format', e.target.value as RegisterForm['format'])}
            >
              {TEMPLATE_FORMATS.map((f) => (
                <option key={f} value={f}>
                  {f}
                </option>
              ))}
            </select>
          </div>
        </div>
        <div className="field">
          <label htmlFor={fieldId('url')}>URL</label>
          <input
            id={fieldId('url')}
            type="url"
            placeholder="https://example.com/debian-12.qcow2 (or a .meta4/.metalink)"
            value={form.url}
            onChange={(e) => set('url', e.target.value)}
            {...described('url')}
          />
          {errorText('url')}
        </div>
        <div className="field">
          <label htmlFor={fieldId('checksum')}>Checksum</label>
          <input
            id={fieldId('checksum')}
            className="mono"
            placeholder="{SHA-256}hex… (a bare hex string is MD5; may be empty for a metalink)"
            value={form.checksum}
            onChange={(e) => set('checksum', e.target.value)}
            {...described('checksum')}
          />
          {errorText('checksum')}
        </div>
        <div className="field-row">
          <div className="field">
            <label htmlFor={fieldId('os')}>OS</label>
            <input
              id={fieldId('os')}
              placeholder="Debian 12"
              value={form.os}
              onChange={(e) => set('os', e.target.value)}
              {...described('os')}
            />
            {errorText('os')}
          </div>
          <div className="field">
            <label htmlFor={fieldId('hypervisor')}>Hypervisor</label>
            <select
              id={fieldId('hypervisor')}
              value={form.hypervisor}
              onChange={(e) => set('hypervisor', e.target.value as RegisterForm['hypervisor'])}
            >
              {HYPERVISORS.map((h) => (
                <option key={h} value={h}>
                  {h === 'kvm' ? 'KVM' : 'Xen'}
                </option>
              ))}
            </select>
          </div>
        </div>
        <fieldset className="field">
          <legend>HTTP headers</legend>
          {form.headers.length === 0 ? (
            <p className="muted">None. Values are kept as secrets and never shown again.</p>
          ) : null}
          {form.headers.map((h, i) => (
            <div key={i} className="header-row">
              <input
                aria-label={`Header ${i + 1} name`}
                placeholder="NAME"
                value={h.name}
                onChange={(e) => setHeader(i, 'name', e.target.value)}
                {...described(`header-${i}`)}
              />
              <input
                aria-label={`Header ${i + 1} value`}
                type="password"
                autoComplete="off"
                placeholder="VALUE"
                value={h.value}
                onChange={(e) => setHeader(i, 'value', e.target.value)}
                {...described(`header-${i}`)}
              />
              <button
                type="button"
                aria-label={`Remove header ${i + 1}`}
                onClick={() =>
                  set(
                    'headers',
                    form.headers.filter((_, j) => j !== i),
                  )
                }
              >
                ×
              </button>
              {errorText(`header-${i}`)}
            </div>
          ))}
          <button
            type="button"
            onClick={() => set('headers', [...form.headers, { name: '', value: '' }])}
          >
            Add header
          </button>
        </fieldset>
        {clientCertificates.length ? (
          <div className="field">
            <label htmlFor={fieldId('client')}>Client certificate</label>
            <select
              id={fieldId('client')}
              value={form.clientCertificate}
              onChange={(e) => set('clientCertificate', e.target.value)}
            >
              <option value="">None</option>
              {clientCertificates.map((name) => (
                <option key={name} value={name}>
                  {name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <label className="checkbox">
          <input
            type="checkbox"
            checked={form.directDownload}
            onChange={(e) => set('directDownload', e.target.checked)}
          />{' '}
          Direct download (each host downloads it into its storage pool; nothing is copied here)
        </label>
        {refused ? (
          <p role="alert" className="error-box">
            {refused}
          </p>
        ) : null}
        <div className="dialog-buttons">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" className="primary" disabled={busy}>
            Register
          </button>
        </div>
      </form>
    </Dialog>
  );
}
