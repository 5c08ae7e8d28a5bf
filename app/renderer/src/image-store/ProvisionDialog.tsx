// Provisioning a VM from an appliance of the image store, or from a template or ISO registered by
// URL: the source (changeable among its kind), the target host (changeable), the VM's name and
// the source's options with their defaults, each checked as it is typed; for an appliance that
// runs cloud-init, its cloud-init settings; an ISO option offers the host's uploaded ISOs.
// Submitting starts the task, followed in the task pane; the host is polled again when it ends.
import { useEffect, useId, useMemo, useRef, useState, type FormEvent } from 'react';
import { CloudInitFields } from '../cloud-init/CloudInitFields.js';
import {
  checkCloudInit,
  EMPTY_CLOUD_INIT,
  type CloudInitValues,
} from '../cloud-init/cloud-init-form.js';
import { sha512Crypt } from '../cloud-init/password-hash.js';
import { useClient } from '../client-context.js';
import { Dialog, DialogButtons } from '../common/Dialog.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { Checkbox, Field, SelectField } from '../common/Field.js';
import { contractErrorData, errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore, type ProvisionRequest } from '../store/view-store.js';
import { useTemplates } from '../templates/use-templates.js';
import { useAppliances } from './appliance-store.js';
import { IsoOption } from './IsoOption.js';
import {
  applianceSource,
  checkProvisionForm,
  defaultValues,
  hostRefusal,
  templateSource,
  type OptionValues,
  type ProvisionSource,
} from './provision-form.js';

export function ProvisionDialog({ request }: { request: ProvisionRequest }) {
  const close = useViewStore((s) => s.closeProvision);
  return request.template === undefined ? (
    <ApplianceProvision request={request} onClose={close} />
  ) : (
    <TemplateProvision request={request} template={request.template} onClose={close} />
  );
}

interface SourceDialogProps {
  request: ProvisionRequest;
  onClose: () => void;
}

function ApplianceProvision({ request, onClose }: SourceDialogProps) {
  const { appliances, error } = useAppliances();
  const sources = useMemo(() => appliances?.map(applianceSource) ?? null, [appliances]);
  const wanted = request.appliance ?? appliances?.find((a) => a.isDefault)?.name ?? null;
  if (!sources) return <LoadingDialog error={error} what="the image store" onClose={onClose} />;
  return <ProvisionForm {...{ request, sources, wanted, onClose }} />;
}

function TemplateProvision({
  request,
  template,
  onClose,
}: SourceDialogProps & { template: string }) {
  const { templates, error } = useTemplates();
  const sources = useMemo(
    () => templates?.filter((t) => t.state === 'Ready').map(templateSource) ?? null,
    [templates],
  );
  if (!sources) return <LoadingDialog error={error} what="the templates" onClose={onClose} />;
  return <ProvisionForm {...{ request, sources, wanted: template, onClose }} />;
}

function LoadingDialog({
  error,
  what,
  onClose,
}: {
  error: string | null;
  what: string;
  onClose: () => void;
}) {
  return (
    <Dialog title="Provision a VM" onClose={onClose}>
      <p role={error ? 'alert' : 'status'}>{error ?? `Loading ${what}…`}</p>
      <DialogButtons onDismiss={onClose} />
    </Dialog>
  );
}

/** A cloud-init field's key among the form's fields (apart from options of the same name). */
const ciKey = (field: string) => `cloud-init-${field}`;

/** The cloud-init settings to send: the password, if one was typed, as its SHA-512 crypt hash. */
async function withPasswordHash<T extends object>(
  settings: T | null,
  password: string,
): Promise<(T & { passwordHash?: string }) | null> {
  if (!settings) return null;
  return password ? { ...settings, passwordHash: await sha512Crypt(password) } : settings;
}

/** What an option left empty becomes. */
function unsetPlaceholder(option: ProvisionSource['options'][number]): string {
  if (option.type === 'mac') return 'generated';
  if (option.type === 'bridge') return "the host's bridge";
  if (option.unit === 'MiB') return "the image's size";
  return 'not set';
}

const SOURCE_LABELS: Record<ProvisionSource['kind'], string> = {
  appliance: 'Appliance',
  template: 'Template or ISO',
};

function ProvisionForm({
  request,
  sources,
  wanted,
  onClose,
}: SourceDialogProps & { sources: ProvisionSource[]; wanted: string | null }) {
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
  const [sourceName, setSourceName] = useState(
    () => (sources.find((s) => s.name === wanted) ?? sources[0])?.name ?? '',
  );
  const source = sources.find((s) => s.name === sourceName);
  const [host, setHost] = useState(
    () =>
      request.host ??
      hostNames.find((h) => source && hosts[h] && !hostRefusal(source, hosts[h])) ??
      hostNames[0] ??
      '',
  );
  const [name, setName] = useState('');
  const [values, setValues] = useState<OptionValues>(() => (source ? defaultValues(source) : {}));
  const [cloudInit, setCloudInit] = useState<CloudInitValues>(EMPTY_CLOUD_INIT);
  // The password stays in this dialog's state: hashed when sent, gone when the dialog closes.
  const [password, setPassword] = useState('');
  const [start, setStart] = useState(true);
  const [touched, setTouched] = useState<ReadonlySet<string>>(new Set());
  const [submitted, setSubmitted] = useState(false);
  const [busy, setBusy] = useState(false);
  const [serverError, setServerError] = useState<{ field: string | null; message: string } | null>(
    null,
  );

  const check = useMemo(() => {
    if (!source) return null;
    const form = checkProvisionForm(source, hosts[host], name, values);
    if (!source.cloudInit) return { ...form, cloudInit: null };
    const ci = checkCloudInit(cloudInit, password !== '');
    const ciErrors = Object.entries(ci.errors).map(([field, message]) => [ciKey(field), message]);
    return {
      errors: { ...form.errors, ...Object.fromEntries(ciErrors) } as Record<string, string>,
      params: form.params,
      cloudInit: ci.input,
    };
  }, [source, hosts, host, name, values, cloudInit, password]);
  if (!source || !check) {
    return (
      <Dialog title="Provision a VM" onClose={onClose}>
        <p role="status">
          {request.template === undefined
            ? 'The image store has no appliances.'
            : `${request.template} is not a Ready template any more.`}
        </p>
        <DialogButtons dismiss="Close" onDismiss={onClose} />
      </Dialog>
    );
  }
  // The hosts that take the source; one that does not stays listed while chosen, with its error.
  const hostChoices = hostNames.filter(
    (h) => h === host || (hosts[h] && !hostRefusal(source, hosts[h])),
  );

  const touch = (field: string) => {
    setServerError(null);
    setTouched((t) => (t.has(field) ? t : new Set(t).add(field)));
  };
  const shownError = (field: string): string | null => {
    if (serverError?.field === field) return serverError.message;
    // The host field speaks at once: a refused host is the first thing to know.
    if (!submitted && !touched.has(field) && field !== 'host' && field !== 'source') return null;
    return check.errors[field] ?? null;
  };
  const fieldId = (field: string) => `${id}-${field}`;

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
    const started =
      source.kind === 'template'
        ? client.provisionFromTemplate(host, source.name, name, check.params, { start })
        : withPasswordHash(check.cloudInit, password).then((ci) =>
            client.provisionVm(host, source.name, name, check.params, {
              start,
              ...(ci ? { cloudInit: ci } : {}),
            }),
          );
    started
      .then((task) => {
        applyTask(task);
        onClose();
      })
      .catch((err: unknown) => {
        const field = contractErrorData(err)?.field ?? null;
        // Main names the source by its kind; the form has one source field.
        const shownAt = field === 'appliance' || field === 'template' ? 'source' : field;
        const known =
          shownAt && (['source', 'host', 'name'].includes(shownAt) || shownAt in values)
            ? shownAt
            : null;
        setServerError({ field: known, message: errorMessage(err) });
      })
      .finally(() => setBusy(false));
  };

  return (
    <Dialog title={`Provision a VM from ${source.title}`} onClose={onClose}>
      <form className="provision-form" noValidate onSubmit={submit}>
        <div className="field-pair">
          <SelectField
            label={SOURCE_LABELS[source.kind]}
            id={fieldId('source')}
            error={shownError('source')}
            value={source.name}
            options={sources.map((s) => [s.name, s.title] as const)}
            onChange={(chosen) => {
              const next = sources.find((s) => s.name === chosen);
              setSourceName(chosen);
              if (next) setValues(defaultValues(next));
              setCloudInit(EMPTY_CLOUD_INIT);
              setPassword('');
              setTouched(new Set());
              setServerError(null);
            }}
          />
          <SelectField
            label="Host"
            id={fieldId('host')}
            error={shownError('host')}
            value={host}
            options={[
              ...(host === '' ? [['', 'No hosts'] as const] : []),
              ...hostChoices.map(
                (h) => [h, `${h} (${hosts[h]?.hypervisor.toUpperCase()})`] as const,
              ),
            ]}
            onChange={(chosen) => {
              setHost(chosen);
              touch('host');
            }}
          />
        </div>
        <Field label="VM name" id={fieldId('name')} error={shownError('name')}>
          {(control) => (
            <input
              {...control}
              ref={nameInput}
              value={name}
              placeholder="db2"
              onChange={(e) => {
                setName(e.target.value);
                touch('name');
              }}
            />
          )}
        </Field>
        <fieldset className="field option-grid">
          <legend>Options</legend>
          {source.options.map((option) =>
            option.type === 'host-path' && host ? (
              <IsoOption
                key={option.key}
                host={host}
                label={option.label}
                id={fieldId(option.key)}
                error={shownError(option.key)}
                value={values[option.key] ?? ''}
                onChange={(path) => {
                  setValues((v) => ({ ...v, [option.key]: path }));
                  touch(option.key);
                }}
              />
            ) : (
              <Field
                key={option.key}
                label={`${option.label}${option.unit ? ` (${option.unit})` : ''}`}
                id={fieldId(option.key)}
                error={shownError(option.key)}
              >
                {(control) => (
                  <input
                    {...control}
                    inputMode={option.type === 'integer' ? 'numeric' : undefined}
                    value={values[option.key] ?? ''}
                    placeholder={option.default === null ? unsetPlaceholder(option) : undefined}
                    onChange={(e) => {
                      setValues((v) => ({ ...v, [option.key]: e.target.value }));
                      touch(option.key);
                    }}
                  />
                )}
              </Field>
            ),
          )}
        </fieldset>
        {source.cloudInit ? (
          <CloudInitFields
            values={cloudInit}
            onChange={(field, value) => {
              setCloudInit((v) => ({ ...v, [field]: value }));
              touch(ciKey(field));
            }}
            password={password}
            onPassword={(typed) => {
              setPassword(typed);
              touch(ciKey('password'));
            }}
            error={(field) => shownError(ciKey(field))}
            fieldId={(field) => fieldId(ciKey(field))}
          />
        ) : null}
        <Checkbox label="Start the VM once it is defined" checked={start} onChange={setStart} />
        <ErrorBox>
          {serverError && serverError.field === null ? serverError.message : null}
        </ErrorBox>
        <ErrorBox>
          {submitted && Object.keys(check.errors).length
            ? 'Correct the marked fields; nothing was started.'
            : null}
        </ErrorBox>
        <DialogButtons
          onDismiss={onClose}
          action={{ label: 'Provision', busy, busyLabel: 'Starting…' }}
        />
      </form>
    </Dialog>
  );
}
