// A VM's snapshots: list, create (optionally quiesced through the guest agent), revert, delete.
import { useState } from 'react';
import type { VmDetails } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { ColumnHeaders } from '../common/ColumnHeaders.js';
import { ConfirmButton } from '../common/ConfirmButton.js';
import { Checkbox, Field } from '../common/Field.js';
import { TaskForm } from './TaskForm.js';
import { useTaskRunner } from './use-task-runner.js';

export function Snapshots({ details }: { details: VmDetails }) {
  const client = useClient();
  const run = useTaskRunner();
  const [name, setName] = useState('');
  const [quiesce, setQuiesce] = useState(false);
  const ref = { host: details.host, vm: details.name };

  if (details.notSupported.snapshot) return <p role="note">{details.notSupported.snapshot}</p>;
  return (
    <div className="snapshots">
      <TaskForm
        className="inline-form"
        label="Create snapshot"
        what="Create snapshot"
        start={() => client.createSnapshot(ref, name.trim(), { quiesce })}
        onStarted={() => setName('')}
      >
        <Field label="Snapshot name" layout="inline">
          {(control) => (
            <input
              {...control}
              required
              pattern="[A-Za-z0-9._][A-Za-z0-9._\-]{0,63}"
              value={name}
              onChange={(e) => setName(e.target.value)}
            />
          )}
        </Field>
        <Checkbox
          label="Quiesce"
          title="Freeze the guest's filesystems through the guest agent while the snapshot is taken"
          checked={quiesce}
          disabled={!details.hasGuestAgentChannel}
          onChange={setQuiesce}
        />
        <button type="submit" className="primary">
          Create snapshot
        </button>
      </TaskForm>
      {details.snapshots.length === 0 ? (
        <p>No snapshots.</p>
      ) : (
        <table className="table" aria-label="Snapshots">
          <ColumnHeaders columns={['Name', 'Created', 'State', 'Actions']} />
          <tbody>
            {details.snapshots.map((s) => (
              <tr key={s.name}>
                <td>{s.name}</td>
                <td>{s.createdAt}</td>
                <td>{s.state}</td>
                <td className="row-actions">
                  <ConfirmButton
                    label={`Revert to ${s.name}`}
                    question={`Revert ${details.name} to ${s.name}?`}
                    confirm={`Really revert ${s.name}`}
                    onConfirm={() =>
                      void run(`revert snapshot ${s.name}`, () =>
                        client.revertSnapshot(ref, s.name),
                      )
                    }
                  >
                    Revert…
                  </ConfirmButton>
                  <ConfirmButton
                    label={`Delete ${s.name}`}
                    question={`Delete the snapshot ${s.name}?`}
                    confirm={`Really delete ${s.name}`}
                    onConfirm={() =>
                      void run(`delete snapshot ${s.name}`, () =>
                        client.deleteSnapshot(ref, s.name),
                      )
                    }
                  >
                    Delete…
                  </ConfirmButton>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
