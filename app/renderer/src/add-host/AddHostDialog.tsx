// Adds a host: address, port, user, authentication, server pool. An unknown host key is shown by
// its SHA256 fingerprint for the operator to confirm (then addHost again with acceptFingerprint);
// a changed key blocks with a warning naming both fingerprints. The detected hypervisor is shown.
import { useEffect, useId, useState, type ChangeEvent, type FormEvent } from 'react';
import type { HostView } from '../../../shared/contract/convirt-contract.js';
import type { AuthMethod } from '../../../shared/domain/inventory.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { Checkbox, Field, RadioGroup } from '../common/Field.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { usePoolPaths } from '../fleet-tree/PoolSelect.js';
import { useViewStore } from '../store/view-store.js';

type Step =
  | { kind: 'form'; error: string | null }
  | { kind: 'confirm-key'; fingerprint: string }
  | { kind: 'key-changed'; fingerprint: string; oldFingerprint: string; message: string }
  | { kind: 'done'; host: HostView };

interface HostForm {
  name: string;
  address: string;
  port: string;
  username: string;
  authMethod: AuthMethod;
  identityFile: string;
  group: string;
  useSudo: boolean;
}

const AUTH_METHODS = [
  ['agent', 'SSH agent or ~/.ssh/config'],
  ['key', 'Key file'],
  ['password', 'Password (asked each time, never stored)'],
] as const;

/** A host name from an address: `web1.example.com` gives `web1.example.com`, `[::1]` gives `__1`. */
function nameFromAddress(address: string): string {
  return address
    .replace(/[^A-Za-z0-9._-]/g, '_')
    .replace(/^-+/, '')
    .slice(0, 64);
}

export function AddHostDialog() {
  const client = useClient();
  const close = () => useViewStore.getState().setAddHostOpen(false);
  const show = useViewStore((s) => s.show);
  const pools = usePoolPaths();
  const poolListId = useId();
  const [form, setForm] = useState<HostForm>({
    name: '',
    address: '',
    // Empty: main uses convirt.conf's default_ssh_port (shown as the placeholder).
    port: '',
    username: 'root',
    authMethod: 'agent',
    identityFile: '',
    group: '',
    useSudo: false,
  });
  const [defaultPort, setDefaultPort] = useState<string>('22');
  useEffect(() => {
    let live = true;
    client
      .configInfo()
      .then((info) => {
        const port = info.settings.find((s) => s.key === 'default_ssh_port')?.value;
        if (live && port !== undefined && port !== null) setDefaultPort(String(port));
      })
      .catch(() => {
        // Only the placeholder depends on it; main applies the default either way.
      });
    return () => {
      live = false;
    };
  }, [client]);
  const [step, setStep] = useState<Step>({ kind: 'form', error: null });
  const [busy, setBusy] = useState(false);
  const set = <K extends keyof HostForm>(key: K, value: HostForm[K]) =>
    setForm((f) => ({ ...f, [key]: value }));
  const name = form.name.trim() || nameFromAddress(form.address.trim());

  const submit = (acceptFingerprint?: string) => {
    setBusy(true);
    client
      .addHost({
        name,
        address: form.address.trim(),
        ...(form.port.trim() ? { port: Number(form.port) } : {}),
        username: form.username.trim() || undefined,
        authMethod: form.authMethod,
        identityFile:
          form.authMethod === 'key' && form.identityFile.trim()
            ? form.identityFile.trim()
            : undefined,
        group: form.group.trim() || undefined,
        useSudo: form.useSudo || undefined,
        acceptFingerprint,
      })
      .then((host) => setStep({ kind: 'done', host }))
      .catch((err: unknown) => {
        const data = contractErrorData(err);
        if (data?.code === 'host-key-unknown' && data.fingerprint) {
          setStep({ kind: 'confirm-key', fingerprint: data.fingerprint });
        } else if (data?.code === 'host-key-changed' && data.fingerprint) {
          setStep({
            kind: 'key-changed',
            fingerprint: data.fingerprint,
            oldFingerprint: data.oldFingerprint ?? 'unknown',
            message: data.message,
          });
        } else {
          setStep({ kind: 'form', error: errorMessage(err) });
        }
      })
      .finally(() => setBusy(false));
  };

  if (step.kind === 'confirm-key') {
    return (
      <Dialog title="Confirm the host key" onClose={close}>
        <p>
          ConVirt has never seen the host key of <strong>{form.address}</strong>. Check that it is
          the one the host has (for example with <code>ssh-keygen -lf</code> on its key) before
          trusting it.
        </p>
        <p>
          SHA256 fingerprint:
          <br />
          <code className="fingerprint" aria-label="Host key fingerprint">
            {step.fingerprint}
          </code>
        </p>
        <DialogButtons
          dismiss="Back"
          onDismiss={() => setStep({ kind: 'form', error: null })}
          action={{
            label: 'Trust this key and add',
            busy,
            busyLabel: 'Connecting…',
            onClick: () => submit(step.fingerprint),
          }}
        />
      </Dialog>
    );
  }

  if (step.kind === 'key-changed') {
    return (
      <Dialog title="Host key changed" onClose={close} alert>
        <div role="alert" className="error-box">
          <p>
            <strong>The host key of {form.address} has changed.</strong> Someone may be intercepting
            the connection, or the host was reinstalled. ConVirt will not connect.
          </p>
          <p>
            Known key: <code className="fingerprint">{step.oldFingerprint}</code>
            <br />
            Key offered now: <code className="fingerprint">{step.fingerprint}</code>
          </p>
          <p>
            If the change is expected, remove the old key from known_hosts and add the host again.
          </p>
          <p className="muted">{step.message}</p>
        </div>
        <DialogButtons dismiss="Close" onDismiss={close} />
      </Dialog>
    );
  }

  if (step.kind === 'done') {
    const facts = step.host.facts;
    return (
      <Dialog title="Host added" onClose={close}>
        <p role="status">
          Added {step.host.name}. Hypervisor detected:{' '}
          <strong>
            {(facts?.hypervisor ?? step.host.hypervisor).toUpperCase()}
            {facts ? ` ${facts.hypervisorVersion}` : ''}
          </strong>
        </p>
        <DialogButtons
          dismiss="Close"
          onDismiss={close}
          action={{
            label: 'Show host',
            onClick: () => {
              show({ kind: 'host', host: step.host.name });
              close();
            },
          }}
        />
      </Dialog>
    );
  }

  const text = (key: 'name' | 'address' | 'username' | 'identityFile' | 'group') => ({
    value: form[key],
    onChange: (e: ChangeEvent<HTMLInputElement>) => set(key, e.target.value),
  });
  return (
    <Dialog title="Add host" onClose={close}>
      <form
        className="add-host-form"
        onSubmit={(e: FormEvent) => {
          e.preventDefault();
          submit();
        }}
      >
        <div className="field-row">
          <Field label="Address">
            {(control) => (
              <input
                {...control}
                required
                autoFocus
                pattern="[A-Za-z0-9._:\[\]\-]+"
                placeholder="kvm1.example.com or 192.0.2.10"
                {...text('address')}
              />
            )}
          </Field>
          <Field label="Port">
            {(control) => (
              <input
                {...control}
                type="number"
                min={1}
                max={65535}
                value={form.port}
                placeholder={defaultPort}
                title="Empty: convirt.conf's default_ssh_port"
                onChange={(e) => set('port', e.target.value)}
              />
            )}
          </Field>
        </div>
        <div className="field-row">
          <Field label="Name">
            {(control) => (
              <input
                {...control}
                pattern="[A-Za-z0-9._][A-Za-z0-9._\-]{0,63}"
                placeholder={nameFromAddress(form.address) || 'as the address'}
                {...text('name')}
              />
            )}
          </Field>
          <Field label="User">{(control) => <input {...control} {...text('username')} />}</Field>
        </div>
        <RadioGroup
          legend="Authentication"
          options={AUTH_METHODS}
          value={form.authMethod}
          onChange={(method) => set('authMethod', method)}
        />
        {form.authMethod === 'key' ? (
          <Field label="Key file">
            {(control) => (
              <input
                {...control}
                required
                pattern="/.*"
                placeholder="/home/me/.ssh/id_ed25519"
                {...text('identityFile')}
              />
            )}
          </Field>
        ) : null}
        <Field label="Server pool">
          {(control) => (
            <input
              {...control}
              list={poolListId}
              placeholder="Datacenter/Rack 1 (created when new)"
              {...text('group')}
            />
          )}
        </Field>
        <datalist id={poolListId}>
          {pools.map((p) => (
            <option key={p.id} value={p.path} />
          ))}
        </datalist>
        <Checkbox
          label="Run hypervisor commands with sudo"
          checked={form.useSudo}
          onChange={(checked) => set('useSudo', checked)}
        />
        <ErrorBox>{step.error}</ErrorBox>
        <DialogButtons
          onDismiss={close}
          action={{ label: 'Add host', busy, busyLabel: 'Connecting…' }}
        />
      </form>
    </Dialog>
  );
}
