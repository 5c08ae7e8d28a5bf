// A VM's snapshots: list, create (optionally quiesced through the guest agent), revert, delete.
import { useId, useState } from 'react';
import type { VmDetails } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { useTaskRunner } from './use-task-runner.js';

export function Snapshots({ details }: { details: VmDetails }) {
  const client = useClient();
  const run = useTaskRunner();
  const nameId = useId();
  const [name, setName] = useState('');
  const [quiesce, setQuiesce] = useState(false);
  const [confirm, setConfirm] = useState<{ action: 'revert' | 'delete'; name: string } | null>(
    null,
  );
  const ref = { host: details.host, vm: details.name };

  if (details.notSupported.snapshot) return <p role="note">{details.notSupported.snapshot}</p>;
  return (
    <div className="snapshots">
      <form
        className="inline-form"
        aria-label="Create snapshot"
        onSubmit={(e) => {
          e.preventDefault();
          void run('Create snapshot', () => client.createSnapshot(ref, name.trim(), { quiesce }));
          setName('');
        }}
      >
        <label htmlFor={nameId}>Snapshot name</label>
        <input
          id={nameId}
          required
          pattern="[A-Za-z0-9._][A-Za-z0-9._\-]{0,63}"
          value={name}
          onChange={(e) => setName(e.target.value)}
        />
        <label title="Freeze the guest's filesystems through the guest agent while the snapshot is taken">
          <input
            type="checkbox"
            checked={quiesce}
            disabled={!details.hasGuestAgentChannel}
            onChange={(e) => setQuiesce(e.target.checked)}
          />{' '}
          Quiesce
        </label>
        <button type="submit" className="primary">
          Create snapshot
        </button>
      </form>
      {details.snapshots.length === 0 ? (
        <p>No snapshots.</p>
      ) : (
        <table className="table" aria-label="Snapshots">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Created</th>
              <th scope="col">State</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {details.snapshots.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{s.createdAt}</td>
                <td>{s.state}</td>
                <td className="row-actions">
                  {confirm?.name === s.name ? (
                    <>
                      <button
                        type="button"
                        className="danger"
                        onClick={() => {
                          setConfirm(null);
                          void run(`${confirm.action} snapshot ${s.name}`, () =>
                            confirm.action === 'revert'
                              ? client.revertSnapshot(ref, s.name)
                              : client.deleteSnapshot(ref, s.name),
                          );
                        }}
                      >
                        Really {confirm.action} {s.name}
                      </button>
                      <button type="button" onClick={() => setConfirm(null)}>
                        Cancel
                      </button>
                    </>
                  ) : (
                    <>
                      <button
                        type="button"
                        aria-label={`Revert to ${s.name}`}
                        onClick={() => setConfirm({ action: 'revert', name: s.name })}
                      >
                        Revert…
                      </button>
                      <button
                        type="button"
                        aria-label={`Delete ${s.name}`}
                        onClick={() => setConfirm({ action: 'delete', name: s.name })}
                      >
                        Delete…
                      </button>
                    </>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
