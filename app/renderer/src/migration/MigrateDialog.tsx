// Moving a VM to another host: the target (a host of its hypervisor), the mode its state allows and
// the storage (shared, or its disks copied). Every change runs checkMigration again and shows each
// check with what it found; Migrate stays disabled while one fails. Migrating starts the task,
// followed in the task pane (data remaining, rate, expected downtime); the VM view follows the VM.
import { useEffect, useId, useMemo, useState } from 'react';
import { MIGRATION_MODES } from '../../../shared/domain/migration.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { RadioGroup, SelectField } from '../common/Field.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import { vmKey, vmOf } from '../store/vm-key.js';
import { migrationFollower } from '../store/migration-follow.js';
import {
  checksSummary,
  currentAnswer,
  defaultMode,
  MODE_TITLES,
  migrationRequest,
  migrationTargets,
  modeRefusal,
  shownStorage,
  STORAGE_TITLES,
  type CheckAnswer,
  type MigrateForm,
  type StorageChoice,
} from './migrate-form.js';
import './migration.css';

interface MigrateDialogProps {
  host: string;
  vm: string;
  /** The host it was dropped on; else the first other host of its hypervisor. */
  target?: string;
  onClose: () => void;
}

export function MigrateDialog({ host, vm, target, onClose }: MigrateDialogProps) {
  const client = useClient();
  const hosts = useFleetStore((s) => s.hosts);
  const state = useFleetStore((s) => vmOf(s.vmsByHost, vmKey(host, vm))?.state ?? 'unknown');
  const applyTask = useFleetStore((s) => s.applyTask);
  const targets = migrationTargets(host, hosts);
  const [form, setForm] = useState<MigrateForm>(() => ({
    target: target ?? targets[0] ?? '',
    mode: defaultMode(state) ?? 'live',
    storage: null,
  }));
  const [answer, setAnswer] = useState<CheckAnswer | null>(null);
  const [startError, setStartError] = useState<string | null>(null);
  const [starting, setStarting] = useState(false);
  const modeName = useId();

  // Checks again whenever the request changes; an answer to an older request is dropped.
  const request = useMemo(
    () => migrationRequest({ target: form.target, mode: form.mode, storage: form.storage }),
    [form.target, form.mode, form.storage],
  );
  useEffect(() => {
    if (!request.target) return;
    let current = true;
    client.checkMigration({ host, vm }, request).then(
      (plan) => current && setAnswer({ request, plan, error: null }),
      (err: unknown) => current && setAnswer({ request, plan: null, error: errorMessage(err) }),
    );
    return () => {
      current = false;
    };
  }, [client, host, vm, request]);

  const current = currentAnswer(answer, form);
  const plan = current?.plan ?? null;
  // The last answer keeps the storage shown while the next choice is checked.
  const storage = shownStorage(form, plan ?? answer?.plan ?? null);
  const ready = plan?.ok === true && !starting;

  const migrate = () => {
    setStarting(true);
    setStartError(null);
    client
      .migrateVm({ host, vm }, request)
      .then((task) => {
        migrationFollower.started(task.id, form.target);
        applyTask(task);
        onClose();
      })
      .catch((err: unknown) => {
        setStartError(errorMessage(err));
        setStarting(false);
      });
  };

  return (
    <Dialog title={`Migrate ${host}/${vm}`} onClose={onClose} wide>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (ready) migrate();
        }}
      >
        {targets.length === 0 ? (
          <p role="note">No other {hosts[host]?.hypervisor.toUpperCase()} host to migrate to.</p>
        ) : (
          <SelectField
            label="Target host"
            value={form.target}
            options={targets.map((t) => [t, `${t} (${hosts[t]?.status ?? 'unknown'})`] as const)}
            onChange={(t) => setForm({ ...form, target: t })}
          />
        )}
        <fieldset className="field">
          <legend>Mode</legend>
          {MIGRATION_MODES.map((mode) => {
            const refusal = modeRefusal(mode, state);
            return (
              <label key={mode} className="radio" title={refusal ?? undefined}>
                <input
                  type="radio"
                  name={modeName}
                  value={mode}
                  checked={form.mode === mode}
                  disabled={refusal !== null}
                  onChange={() => setForm({ ...form, mode })}
                />{' '}
                {MODE_TITLES[mode]}
                {refusal ? <span className="muted"> ({refusal})</span> : null}
              </label>
            );
          })}
        </fieldset>
        {storage ? (
          <RadioGroup<StorageChoice>
            legend="Storage"
            options={(['shared', 'copy'] as const).map((s) => [s, STORAGE_TITLES[s]] as const)}
            value={storage}
            onChange={(s) => setForm({ ...form, storage: s })}
          />
        ) : null}
        <section aria-labelledby={`${modeName}-checks`}>
          <h3 id={`${modeName}-checks`}>Checks</h3>
          <p role="status">
            {plan ? checksSummary(plan) : form.target && !current ? 'Checking…' : ''}
          </p>
          {plan ? (
            <ul className="migration-checks" aria-label="Checks">
              {plan.checks.map((c) => (
                <li
                  key={c.name}
                  className={c.ok ? 'passed' : 'failed'}
                  aria-label={`${c.name}: ${c.ok ? 'passed' : 'failed'}`}
                >
                  <span className={`check-mark ${c.ok ? 'passed' : 'failed'}`} aria-hidden="true">
                    {c.ok ? '✓' : '✗'}
                  </span>
                  <span className="check-name">{c.name}</span>
                  <span className="check-detail">{c.detail}</span>
                </li>
              ))}
            </ul>
          ) : null}
          {plan?.connection ? <p className="muted">{plan.connection}</p> : null}
        </section>
        <ErrorBox>{current?.error ?? startError}</ErrorBox>
        <DialogButtons
          onDismiss={onClose}
          action={{ label: 'Migrate', busy: starting, busyLabel: 'Starting…', disabled: !ready }}
        />
      </form>
    </Dialog>
  );
}
