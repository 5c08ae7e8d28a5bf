// A host's uploaded ISOs (listIsos: one read-only command on it), for the image store's ISO
// section and the provisioning dialog's ISO choice; reloaded on demand (after an upload).
import { useCallback, useEffect, useState } from 'react';
import type { HostIsos } from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';

export interface HostIsosState {
  isos: HostIsos | null;
  error: string | null;
  reload: () => void;
}

export function useHostIsos(host: string | null): HostIsosState {
  const client = useClient();
  const [generation, setGeneration] = useState(0);
  const key = host === null ? null : `${generation}:${host}`;
  // The answer for the host and generation asked; an older one is not shown.
  const [answer, setAnswer] = useState<{
    key: string;
    isos: HostIsos | null;
    error: string | null;
  } | null>(null);
  useEffect(() => {
    if (!host || !key) return;
    let current = true;
    client
      .listIsos(host)
      .then((isos) => current && setAnswer({ key, isos, error: null }))
      .catch((err: unknown) => current && setAnswer({ key, isos: null, error: errorMessage(err) }));
    return () => {
      current = false;
    };
  }, [client, host, key]);
  const reload = useCallback(() => setGeneration((g) => g + 1), []);
  const shown = answer?.key === key ? answer : null;
  return { isos: shown?.isos ?? null, error: shown?.error ?? null, reload };
}
