// Registers a template or ISO by URL: name, URL, format, checksum, OS, hypervisor, HTTP headers
// (values typed as secrets, never shown again) and direct download. Every field is checked here
// by the shared validators first; the registration itself is a task followed in the task pane.
import { useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { HYPERVISORS } from '../../../shared/domain/host.js';
import { TEMPLATE_FORMATS } from '../../../shared/validation/url-template.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { Checkbox, Field, SelectField } from '../common/Field.js';
import { HeaderFields } from '../common/HeaderFields.js';
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
  const [form, setForm] = useState<RegisterForm>(EMPTY_REGISTER_FORM);
  const [errors, setErrors] = useState<RegisterErrors>({});
  const [refused, setRefused] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof RegisterForm>(key: K, value: RegisterForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

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

  /** A text field of the form, with its inline error (announced: errors come on submit). */
  const text = (
    key: 'name' | 'url' | 'checksum' | 'os',
    label: string,
    attributes: InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <Field label={label} error={errors[key]} announceError>
      {(control) => (
        <input
          {...control}
          {...attributes}
          value={form[key]}
          onChange={(e) => set(key, e.target.value)}
        />
      )}
    </Field>
  );

  return (
    <Dialog title="Register a template or ISO" onClose={onClose}>
      <form noValidate onSubmit={submit}>
        <div className="field-row">
          {text('name', 'Name', { autoFocus: true })}
          <SelectField
            label="Format"
            value={form.format}
            options={TEMPLATE_FORMATS.map((f) => [f, f] as const)}
            onChange={(format) => set('format', format)}
          />
        </div>
        {text('url', 'URL', {
          type: 'url',
          placeholder: 'https://example.com/debian-12.qcow2 (or a .meta4/.metalink)',
        })}
        {text('checksum', 'Checksum', {
          className: 'mono',
          placeholder: '{SHA-256}hex… (a bare hex string is MD5; may be empty for a metalink)',
        })}
        <div className="field-row">
          {text('os', 'OS', { placeholder: 'Debian 12' })}
          <SelectField
            label="Hypervisor"
            value={form.hypervisor}
            options={HYPERVISORS.map((h) => [h, h === 'kvm' ? 'KVM' : 'Xen'] as const)}
            onChange={(hypervisor) => set('hypervisor', hypervisor)}
          />
        </div>
        <HeaderFields
          rows={form.headers}
          onChange={(headers) => set('headers', headers)}
          errors={errors}
        />
        {clientCertificates.length ? (
          <SelectField
            label="Client certificate"
            value={form.clientCertificate}
            options={[['', 'None'], ...clientCertificates.map((name) => [name, name] as const)]}
            onChange={(name) => set('clientCertificate', name)}
          />
        ) : null}
        <Checkbox
          label="Direct download (each host downloads it into its storage pool; nothing is copied here)"
          checked={form.directDownload}
          onChange={(checked) => set('directDownload', checked)}
        />
        <ErrorBox>{refused}</ErrorBox>
        <DialogButtons onDismiss={onClose} action={{ label: 'Register', busy }} />
      </form>
    </Dialog>
  );
}
