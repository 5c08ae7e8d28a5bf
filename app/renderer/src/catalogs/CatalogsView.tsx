// The Catalogs view: subscriptions to signed image lists (docs/image-lists.md) and, for the
// selected one, its images with the state of each one's template. Subscribe, Update now (a task
// in the task pane), Unsubscribe (its templates stay); an image's template enabled or disabled
// here, and an enabled one provisioned through the usual provisioning dialog.
import { useCallback, useState } from 'react';
import type {
  ImageListImageView,
  ImageListSubscriptionView,
} from '../../../shared/domain/image-list.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { ConfirmButton } from '../common/ConfirmButton.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { errorMessage } from '../common/errors.js';
import { formatBytes, formatPercent } from '../common/format.js';
import { Meter } from '../common/Meter.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore } from '../store/view-store.js';
import {
  formatWhen,
  imageActions,
  imageOs,
  imageStatus,
  subscriptionStatus,
  unsubscribedNotice,
  type Tone,
} from './catalog-states.js';
import { SubscribeDialog } from './SubscribeDialog.js';
import { useCatalogs } from './use-catalogs.js';
import './catalogs.css';

export function CatalogsView() {
  const [chosen, setChosen] = useState<string | null>(null);
  const [subscribing, setSubscribing] = useState(false);
  const { subscriptions, shown, images, error } = useCatalogs(chosen);
  const selected = subscriptions?.find((s) => s.name === shown) ?? null;
  const onSubscribed = useCallback((name: string) => {
    setSubscribing(false);
    setChosen(name);
  }, []);

  return (
    <section className="screen" aria-labelledby="catalogs-title">
      <header className="screen-header">
        <h1 id="catalogs-title">Catalogs</h1>
        <div className="actions">
          <button type="button" className="primary" onClick={() => setSubscribing(true)}>
            Subscribe…
          </button>
        </div>
      </header>
      <ErrorBox>{error}</ErrorBox>
      <section className="panel" aria-label="Image-list subscriptions">
        <SubscriptionGrid
          subscriptions={subscriptions}
          selected={selected?.name ?? null}
          onSelect={setChosen}
        />
      </section>
      {selected ? <SubscriptionPanel subscription={selected} images={images} /> : null}
      {subscribing ? (
        <SubscribeDialog onClose={() => setSubscribing(false)} onSubscribed={onSubscribed} />
      ) : null}
    </section>
  );
}

function StatusText({ label, tone, title }: { label: string; tone: Tone; title?: string }) {
  return (
    <span className={`badge tone-${tone}`} title={title}>
      <span className="dot" aria-hidden="true" />
      {label}
    </span>
  );
}

function SubscriptionGrid({
  subscriptions,
  selected,
  onSelect,
}: {
  subscriptions: ImageListSubscriptionView[] | null;
  selected: string | null;
  onSelect: (name: string) => void;
}) {
  if (subscriptions === null) return <p role="status">Loading…</p>;
  if (subscriptions.length === 0) {
    return <p role="status">No subscriptions yet: subscribe to an endorsed image list.</p>;
  }
  return (
    <table className="table" role="grid" aria-label="Subscriptions">
      <ColumnHeaders columns={['Name', 'URL', 'Endorser', 'Version', 'Last update', 'State']} />
      <tbody>
        {subscriptions.map((s) => {
          const status = subscriptionStatus(s);
          const isSelected = s.name === selected;
          return (
            <tr
              key={s.name}
              aria-selected={isSelected}
              className={isSelected ? 'selected' : undefined}
              onClick={() => onSelect(s.name)}
            >
              <th scope="row">
                <button
                  type="button"
                  className="link"
                  aria-label={`Show the images of ${s.name}`}
                  aria-pressed={isSelected}
                  onClick={() => onSelect(s.name)}
                >
                  {s.name}
                </button>
              </th>
              <td className="wrap mono">{s.url}</td>
              <td className="wrap mono">{s.endorser ?? (s.allowUnsigned ? 'unsigned' : '–')}</td>
              <td>{s.version ?? '–'}</td>
              <td>{formatWhen(s.lastCheckedAt)}</td>
              <td>
                <StatusText {...status} title={s.lastError ?? undefined} />
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function SubscriptionPanel({
  subscription: s,
  images,
}: {
  subscription: ImageListSubscriptionView;
  images: ImageListImageView[] | null;
}) {
  const client = useClient();
  const applyTask = useFleetStore((st) => st.applyTask);
  const notify = useFleetStore((st) => st.notify);
  const updating = useFleetStore((st) =>
    st.taskIds.some((id) => {
      const t = st.tasks[id];
      return (
        t?.kind === 'imagelist.update' &&
        t.target === s.name &&
        (t.status === 'queued' || t.status === 'running')
      );
    }),
  );
  const update = () => {
    client
      .updateImageList(s.name)
      .then(applyTask)
      .catch((err: unknown) => notify('error', `Update ${s.name}: ${errorMessage(err)}`));
  };
  const unsubscribe = () => {
    client
      .unsubscribeImageList(s.name)
      .then(({ templatesKept }) => notify('info', unsubscribedNotice(s.name, templatesKept)))
      .catch((err: unknown) => notify('error', `Unsubscribe ${s.name}: ${errorMessage(err)}`));
  };
  const headingId = `catalog-${s.name}-title`;
  return (
    <section className="panel" aria-labelledby={headingId}>
      <header className="screen-header">
        <h2 id={headingId}>{s.title ?? s.identifier ?? s.name}</h2>
        <div className="actions">
          <button type="button" disabled={updating} onClick={update}>
            {updating ? 'Updating…' : 'Update now'}
          </button>
          <ConfirmButton
            label={`Unsubscribe from ${s.name}`}
            question={`Unsubscribe from ${s.name}? Its templates are kept.`}
            confirm={`Really unsubscribe from ${s.name}`}
            onConfirm={unsubscribe}
          >
            Unsubscribe…
          </ConfirmButton>
        </div>
      </header>
      <dl className="facts">
        <dt>List</dt>
        <dd className="mono">{s.identifier ?? 'not accepted yet'}</dd>
        <dt>Created</dt>
        <dd>{formatWhen(s.listCreated)}</dd>
        <dt>Expires</dt>
        <dd>{formatWhen(s.listExpires)}</dd>
        <dt>Trusted CAs</dt>
        <dd className="mono">{s.trustCaDir ?? s.trustCaFile ?? 'none (unsigned list allowed)'}</dd>
      </dl>
      <ErrorBox>{s.lastError ? `The last update was refused: ${s.lastError}` : null}</ErrorBox>
      <ImageGrid subscription={s.name} images={images} />
    </section>
  );
}

function ImageGrid({
  subscription,
  images,
}: {
  subscription: string;
  images: ImageListImageView[] | null;
}) {
  const taskIds = useFleetStore((st) => st.taskIds);
  const tasks = useFleetStore((st) => st.tasks);
  const live = taskIds.flatMap((id) => tasks[id] ?? []);
  if (images === null) return <p role="status">Loading the images…</p>;
  if (images.length === 0) return <p role="status">The list has no images.</p>;
  return (
    <table className="table" role="grid" aria-label={`Images of ${subscription}`}>
      <ColumnHeaders
        columns={[
          'Title',
          'Version',
          'Size',
          'Hypervisor',
          'Format',
          'OS',
          'Expires',
          { title: 'State', hint: 'The state of the template holding its current version' },
          'Actions',
        ]}
      />
      <tbody>
        {images.map((image) => {
          const status = imageStatus(image, live);
          return (
            <tr key={image.identifier}>
              <th scope="row" title={`${image.identifier}\n${image.uri}`}>
                {image.title ?? image.identifier}
              </th>
              <td>{image.version}</td>
              <td>{formatBytes(image.size)}</td>
              <td>{image.hypervisor ?? '–'}</td>
              <td>{image.format ?? '–'}</td>
              <td>{imageOs(image) ?? '–'}</td>
              <td>{formatWhen(image.expires)}</td>
              <td>
                <StatusText {...status} />
                {image.note ? <p className="note">{image.note}</p> : null}
                {status.download ? (
                  <Meter
                    role="progressbar"
                    label={`Download of ${image.template ?? image.identifier}`}
                    value={status.download.progress}
                    text={
                      status.download.progress === null
                        ? (status.download.message ?? 'downloading')
                        : formatPercent(status.download.progress * 100)
                    }
                  />
                ) : null}
              </td>
              <td>
                <div className="row-actions">
                  <ImageActions image={image} />
                </div>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}

function ImageActions({ image }: { image: ImageListImageView }) {
  const client = useClient();
  const notify = useFleetStore((st) => st.notify);
  const openProvision = useViewStore((st) => st.openProvision);
  const actions = imageActions(image);
  const name = image.title ?? image.identifier;
  const template = image.template;
  if (template === null) return null;
  const setEnabled = (enabled: boolean) => {
    client
      .setTemplateSettings(template, { enabled })
      .catch((err: unknown) =>
        notify('error', `${enabled ? 'Enable' : 'Disable'} ${template}: ${errorMessage(err)}`),
      );
  };
  return (
    <>
      {actions.enable ? (
        <button type="button" aria-label={`Enable ${name}`} onClick={() => setEnabled(true)}>
          Enable
        </button>
      ) : null}
      {actions.disable ? (
        <button type="button" aria-label={`Disable ${name}`} onClick={() => setEnabled(false)}>
          Disable
        </button>
      ) : null}
      {actions.provision ? (
        <button
          type="button"
          aria-label={`Provision a VM from ${name}`}
          onClick={() => openProvision({ appliance: null, host: null, template })}
        >
          Provision…
        </button>
      ) : null}
    </>
  );
}
