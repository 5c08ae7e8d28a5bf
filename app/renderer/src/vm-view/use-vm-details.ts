// A VM's details (guest agent, snapshots, settings), fetched when the view opens and again
// whenever a task on this VM finishes.
import { useCallback, useEffect, useState } from 'react';
import type { VmDetails } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';
import { vmKey, vmOf } from '../store/vm-key.js';

const AGENT_RETRY_MS = 3000;

/** A string that changes when a task on `target` starts or finishes. */
function useTaskEpoch(target: string): string {
  return useFleetStore((s) => {
    let epoch = '';
    for (const id of s.taskIds) {
      const task = s.tasks[id]!;
      if (task.target === target) epoch += `${id}:${task.status};`;
    }
    return epoch;
  });
}

export function useVmDetails(host: string, vm: string) {
  const client = useClient();
  const [details, setDetails] = useState<VmDetails | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [generation, setGeneration] = useState(0);
  const epoch = useTaskEpoch(`${host}/${vm}`);
  const state = useFleetStore((s) => vmOf(s.vmsByHost, vmKey(host, vm))?.state);

  useEffect(() => {
    let live = true;
    client
      .vmDetails({ host, vm })
      .then((d) => {
        if (!live) return;
        setDetails(d);
        setError(null);
      })
      .catch((err: unknown) => live && setError(errorMessage(err)));
    return () => {
      live = false;
    };
  }, [client, host, vm, epoch, state, generation]);

  // A booting guest's agent answers some seconds after the VM runs: ask again until it does.
  const awaitingAgent =
    state === 'running' && details !== null && details.hasGuestAgentChannel && !details.guest;
  useEffect(() => {
    if (!awaitingAgent) return;
    const timer = setTimeout(() => setGeneration((g) => g + 1), AGENT_RETRY_MS);
    return () => clearTimeout(timer);
  }, [awaitingAgent, details]);

  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  return { details, error, reload };
}
