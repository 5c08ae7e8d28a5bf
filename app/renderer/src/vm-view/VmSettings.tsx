// A VM's settings: vCPUs and memory (applied to the definition), the ISO in its CD-ROM, autostart.
import { useState } from 'react';
import type { VmDetails } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { Checkbox, Field } from '../common/Field.js';
import { TaskForm } from './TaskForm.js';
import { useTaskRunner } from './use-task-runner.js';

export function VmSettings({ details }: { details: VmDetails }) {
  const client = useClient();
  const run = useTaskRunner();
  const [vcpus, setVcpus] = useState(String(details.vcpus));
  const [memory, setMemory] = useState(String(details.maxMemoryMiB ?? details.memoryMiB));
  const [iso, setIso] = useState(details.isoPath ?? '');
  const ref = { host: details.host, vm: details.name };

  return (
    <div className="settings">
      <TaskForm
        className="settings-form"
        label="Resources"
        what="Change resources"
        start={() =>
          client.setVmResources(ref, { vcpus: Number(vcpus), memoryMiB: Number(memory) })
        }
      >
        <Field label="vCPUs">
          {(control) => (
            <input
              {...control}
              type="number"
              min={1}
              max={512}
              required
              value={vcpus}
              onChange={(e) => setVcpus(e.target.value)}
            />
          )}
        </Field>
        <Field label="Memory (MiB)">
          {(control) => (
            <input
              {...control}
              type="number"
              min={16}
              required
              value={memory}
              onChange={(e) => setMemory(e.target.value)}
            />
          )}
        </Field>
        <button type="submit">Apply resources</button>
        <ResourcesNote details={details} />
      </TaskForm>

      {details.notSupported.iso ? (
        <p role="note">{details.notSupported.iso}</p>
      ) : (
        <TaskForm
          className="settings-form"
          label="ISO"
          what="Insert ISO"
          start={() => client.setIso(ref, iso.trim())}
        >
          <Field label="ISO on the host">
            {(control) => (
              <input
                {...control}
                required
                pattern="/.*"
                placeholder="/var/lib/libvirt/images/debian.iso"
                value={iso}
                onChange={(e) => setIso(e.target.value)}
              />
            )}
          </Field>
          <button type="submit">Insert ISO</button>
          <button
            type="button"
            disabled={!details.isoPath}
            onClick={() => void run('Eject ISO', () => client.setIso(ref, null))}
          >
            Eject
          </button>
        </TaskForm>
      )}
      {details.notSupported.autostart ? (
        <p role="note">{details.notSupported.autostart}</p>
      ) : (
        <div className="settings-form">
          <Checkbox
            label="Start with the host (autostart)"
            checked={details.autostart ?? false}
            disabled={details.autostart === null}
            onChange={(checked) => void run('Autostart', () => client.setAutostart(ref, checked))}
          />
        </div>
      )}
    </div>
  );
}

/** How a change of vCPUs or memory applies to this VM, which differs between libvirt and xl. */
function ResourcesNote({ details }: { details: VmDetails }) {
  const live = details.state === 'running' || details.state === 'paused';
  if (details.hypervisor === 'kvm') {
    return live ? <p className="muted">Changes take effect the next time the VM starts.</p> : null;
  }
  if (!details.configFile) {
    return (
      <p className="muted">
        Applied to the running domain only: ConVirt knows no config file it starts from, so the
        change lasts until the domain is destroyed.
      </p>
    );
  }
  return (
    <p className="muted">
      {live
        ? `Applied to the running domain now and in its config file ${details.configFile}, which the next start reads.`
        : `Written to its config file ${details.configFile}, which the next start reads.`}
    </p>
  );
}
