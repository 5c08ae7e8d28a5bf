// Subscribes to a signed image list: its URL, the CAs its endorser's certificate chains to (a
// file or a hashed-name folder on the machine ConVirt runs on: ConVirt fetches and verifies the
// list itself), the pinned endorser, a name and HTTP headers. Unsigned lists only when asked,
// with a warning. Each field is checked here first; then the dialog stays open while the
// subscription's task fetches and verifies the list, so a refusal (a bad signature, the wrong
// signer, an expired list) is shown here, beside the form that caused it.
import { useEffect, useState, type FormEvent, type InputHTMLAttributes } from 'react';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { Checkbox, Field, RadioGroup } from '../common/Field.js';
import type { FormErrors } from '../common/form-checks.js';
import { HeaderFields } from '../common/HeaderFields.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import {
  checkSubscribeForm,
  EMPTY_SUBSCRIBE_FORM,
  SUBSCRIBE_FIELDS,
  type SubscribeForm,
  type TrustKind,
} from './subscribe-form.js';

interface SubscribeDialogProps {
  onClose: () => void;
  /** The subscription was accepted: its name. */
  onSubscribed: (name: string) => void;
}

const TRUST_KINDS = [
  ['folder', 'CA folder (OpenSSL hashed names)'],
  ['file', 'CA file (PEM)'],
] as const satisfies readonly (readonly [TrustKind, string])[];

export function SubscribeDialog({ onClose, onSubscribed }: SubscribeDialogProps) {
  const client = useClient();
  const applyTask = useFleetStore((s) => s.applyTask);
  const [form, setForm] = useState<SubscribeForm>(EMPTY_SUBSCRIBE_FORM);
  const [errors, setErrors] = useState<FormErrors>({});
  const [refused, setRefused] = useState<string | null>(null);
  const [sending, setSending] = useState(false);
  const [taskId, setTaskId] = useState<string | null>(null);
  const task = useFleetStore((s) => (taskId === null ? undefined : s.tasks[taskId]));
  const set = <K extends keyof SubscribeForm>(key: K, value: SubscribeForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));

  const taskLive = task?.status === 'queued' || task?.status === 'running';
  // The task ends: accepted, the dialog's work is done; refused, its error shows here.
  useEffect(() => {
    if (task?.status === 'succeeded') onSubscribed(task.target);
  }, [task, onSubscribed]);
  const taskRefusal =
    task && !taskLive && task.status !== 'succeeded'
      ? `Not subscribed: ${task.error ?? task.status}`
      : null;

  const submit = (e: FormEvent) => {
    e.preventDefault();
    const checked = checkSubscribeForm(form);
    setRefused(null);
    setTaskId(null);
    if (!checked.ok) {
      setErrors(checked.errors);
      return;
    }
    setErrors({});
    setSending(true);
    client
      .subscribeImageList(checked.request)
      .then((started) => {
        // Its taskUpdated events may have come first: the snapshot must not undo them.
        if (!useFleetStore.getState().tasks[started.id]) applyTask(started);
        setTaskId(started.id);
      })
      .catch((err: unknown) => {
        // A refusal naming a field (a name taken, no such CA folder) shows beside it.
        const named = contractErrorData(err)?.field?.replace(/^.*\./, '');
        const field = named ? SUBSCRIBE_FIELDS[named] : undefined;
        if (field) setErrors({ [field]: errorMessage(err) });
        else setRefused(errorMessage(err));
      })
      .finally(() => setSending(false));
  };

  const busy = sending || taskLive;
  const text = (
    key: 'url' | 'trustPath' | 'endorserDn' | 'name',
    label: string,
    hint: string | null,
    attributes: InputHTMLAttributes<HTMLInputElement> = {},
  ) => (
    <Field label={label} error={errors[key]} hint={hint} announceError>
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
    <Dialog title="Subscribe to an image list" onClose={onClose}>
      <form noValidate onSubmit={submit}>
        {text('url', 'List URL', null, {
          type: 'url',
          autoFocus: true,
          placeholder: 'https://lists.example.org/endorsed.smime',
        })}
        <RadioGroup
          legend="Trusted CAs"
          options={TRUST_KINDS}
          value={form.trustKind}
          onChange={(kind) => set('trustKind', kind)}
        />
        {text(
          'trustPath',
          form.trustKind === 'file' ? 'CA file path' : 'CA folder path',
          'On the machine ConVirt runs on: it fetches the list and verifies its signature itself.',
          {
            className: 'mono',
            placeholder:
              form.trustKind === 'file'
                ? '/etc/pki/endorser-ca.pem'
                : '/etc/grid-security/certificates',
          },
        )}
        {text('endorserDn', 'Endorser DN (optional)', 'The signer must be this subject.', {
          className: 'mono',
          placeholder: '/DC=org/DC=example/O=People/CN=Jane Endorser',
        })}
        {text('name', 'Name (optional)', "The URL's host name when left empty.", {
          placeholder: 'example',
        })}
        <HeaderFields
          rows={form.headers}
          onChange={(headers) => set('headers', headers)}
          errors={errors}
        />
        <Checkbox
          label="Allow an unsigned list"
          checked={form.allowUnsigned}
          onChange={(allow) => set('allowUnsigned', allow)}
        />
        {form.allowUnsigned ? (
          <p className="warning" role="note">
            Anyone who can change the list or its traffic can then put images of their own into your
            templates. Allow it only for a list you publish yourself on a network you trust.
          </p>
        ) : null}
        {taskLive ? (
          <p role="status">Fetching and verifying the list… {task.message ?? ''}</p>
        ) : null}
        <ErrorBox>{refused ?? taskRefusal}</ErrorBox>
        <DialogButtons
          onDismiss={onClose}
          action={{ label: 'Subscribe', busy, busyLabel: 'Subscribing…' }}
        />
      </form>
    </Dialog>
  );
}
