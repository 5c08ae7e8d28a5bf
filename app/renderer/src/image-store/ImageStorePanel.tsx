// The image store: every appliance with its description, OS, size and the hosts it provisions.
// Drag one onto a host of the fleet tree, or use "Provision…", to provision a VM from it. For the
// host chosen at the top: whether each appliance's images are in its cache already (and fetching
// them there), and its uploaded ISOs with their quota and an upload.
import { useState } from 'react';
import type { ApplianceInfo } from '../../../shared/contract/convirt-contract.js';
import { ErrorBox } from '../common/ErrorBox.js';
import { SelectField } from '../common/Field.js';
import { formatBytes } from '../common/format.js';
import { useFleetStore } from '../store/fleet-store.js';
import { useViewStore } from '../store/view-store.js';
import { useAppliances } from './appliance-store.js';
import { ImageStatus } from './ImageStatus.js';
import { IsoSection } from './IsoSection.js';
import { applianceSource } from './provision-form.js';
import { sourceDragProps } from './source-drag.js';

export function ImageStorePanel() {
  const { appliances, error, loading, reload } = useAppliances();
  const openProvision = useViewStore((s) => s.openProvision);
  const hosts = useFleetStore((s) => s.hosts);
  const hostNames = useFleetStore((s) => s.hostNames);
  const [chosenHost, setChosenHost] = useState<string | null>(null);
  const host =
    (chosenHost !== null && hosts[chosenHost] ? chosenHost : null) ??
    hostNames.find((h) => hosts[h]?.status === 'connected') ??
    hostNames[0] ??
    null;
  // Reload asks each card's image status again too.
  const [generation, setGeneration] = useState(0);

  return (
    <section className="screen" aria-labelledby="image-store-title">
      <header className="screen-header">
        <h1 id="image-store-title">Image store</h1>
        <span className="muted">
          Drag an appliance onto a host in the fleet tree, or choose Provision…
        </span>
        <div className="actions">
          {host ? (
            <SelectField
              label="Host"
              value={host}
              options={hostNames.map((h) => [h, `${h} (${hosts[h]?.hypervisor.toUpperCase()})`])}
              onChange={setChosenHost}
            />
          ) : null}
          <button
            type="button"
            onClick={() => {
              reload();
              setGeneration((g) => g + 1);
            }}
            disabled={loading}
          >
            Reload
          </button>
          <button
            type="button"
            className="primary"
            onClick={() => openProvision({ appliance: null, host: null })}
          >
            Provision…
          </button>
        </div>
      </header>
      <ErrorBox>{error ? `Could not list the appliances: ${error}` : null}</ErrorBox>
      {appliances === null ? (
        <p role="status">Loading the image store…</p>
      ) : appliances.length === 0 ? (
        <p role="status">The image store has no appliances.</p>
      ) : (
        <ul className="appliance-grid" aria-label="Appliances">
          {appliances.map((a) => (
            <ApplianceCard key={a.name} appliance={a} host={host} generation={generation} />
          ))}
        </ul>
      )}
      {host ? <IsoSection key={`${host}:${generation}`} host={host} /> : null}
    </section>
  );
}

interface ApplianceCardProps {
  appliance: ApplianceInfo;
  /** The host whose image cache the card tells about. */
  host: string | null;
  generation: number;
}

function ApplianceCard({ appliance, host, generation }: ApplianceCardProps) {
  const openProvision = useViewStore((s) => s.openProvision);
  const hostView = useFleetStore((s) => (host ? s.hosts[host] : undefined));
  const built = appliance.missing.length === 0;
  const hypervisors = appliance.hypervisors.map((h) => h.toUpperCase()).join(', ');
  return (
    <li
      className={`appliance${built ? '' : ' not-built'}`}
      aria-label={`${appliance.title}, ${appliance.os || 'any OS'}, ${formatBytes(appliance.sizeBytes)}`}
      {...sourceDragProps(applianceSource(appliance))}
    >
      <h2 className="appliance-title">
        <span aria-hidden="true" className="drag-handle">
          ⠿
        </span>{' '}
        {appliance.title}
      </h2>
      <p className="appliance-summary">{appliance.summary}</p>
      <dl className="appliance-facts">
        <dt>Name</dt>
        <dd className="mono">{appliance.name}</dd>
        <dt>OS</dt>
        <dd>{appliance.os || '–'}</dd>
        <dt>Hosts</dt>
        <dd>{hypervisors}</dd>
        <dt>Size</dt>
        <dd>{formatBytes(appliance.sizeBytes)}</dd>
      </dl>
      {appliance.description.map((text, i) => (
        <p key={i} className="appliance-description">
          {text}
        </p>
      ))}
      {built ? null : (
        <p className="error-box">Not built: {appliance.missing.join(', ')} missing.</p>
      )}
      {built && host && hostView && appliance.hypervisors.includes(hostView.hypervisor) ? (
        <ImageStatus appliance={appliance} host={host} generation={generation} />
      ) : null}
      <div className="actions">
        <button
          type="button"
          onClick={() => openProvision({ appliance: appliance.name, host: null })}
        >
          Provision…
        </button>
      </div>
    </li>
  );
}
