// An appliance card's line about one host: whether the appliance's images are in that host's
// image cache already (applianceImageStatus: one read-only command on the host), and "Fetch to
// HOST" to put them there ahead of provisioning, followed in the task pane.
import { useEffect, useState } from 'react';
import type {
  ApplianceImageState,
  ApplianceInfo,
} from '../../../shared/contract/convirt-contract.js';
import { useClient } from '../client-context.js';
import { errorMessage } from '../common/errors.js';
import { useFleetStore } from '../store/fleet-store.js';

interface ImageStatusProps {
  appliance: ApplianceInfo;
  host: string;
  /** Changes when the panel is reloaded: the status is asked again. */
  generation: number;
}

export function ImageStatus({ appliance, host, generation }: ImageStatusProps) {
  const client = useClient();
  const applyTask = useFleetStore((s) => s.applyTask);
  const [fetches, setFetches] = useState(0);
  const key = `${generation}:${fetches}:${host}`;
  const [answer, setAnswer] = useState<{
    key: string;
    files: ApplianceImageState[] | null;
    error: string | null;
  } | null>(null);
  const [fetching, setFetching] = useState(false);

  useEffect(() => {
    let current = true;
    client
      .applianceImageStatus(host, appliance.name)
      .then((files) => current && setAnswer({ key, files, error: null }))
      .catch(
        (err: unknown) => current && setAnswer({ key, files: null, error: errorMessage(err) }),
      );
    return () => {
      current = false;
    };
  }, [client, host, appliance.name, key]);

  const fetchToHost = () => {
    setFetching(true);
    client
      .fetchApplianceImages(host, appliance.name)
      .then((task) => {
        applyTask(task);
        return client.waitForTask(task.id);
      })
      .catch((err: unknown) => setAnswer({ key, files: null, error: errorMessage(err) }))
      .finally(() => {
        setFetching(false);
        setFetches((n) => n + 1);
      });
  };

  const shown = answer?.key === key ? answer : null;
  const missing = shown?.files?.filter((f) => !f.present).length ?? 0;
  const text = !shown
    ? `Looking at ${host}'s image cache…`
    : shown.error !== null
      ? `Image on ${host}: unknown (${shown.error})`
      : shown.files!.length === 0
        ? `Image on ${host}: none needed (its disks start empty)`
        : missing === 0
          ? `Image on ${host}: in its image cache (provisioning reuses it)`
          : `Image on ${host}: not in its cache (${missing} of ${shown.files!.length} files fetched or copied when provisioning)`;
  return (
    <div className={`image-status${shown && !shown.error && missing === 0 ? ' present' : ''}`}>
      <p>{text}</p>
      {shown?.files && missing > 0 ? (
        <button type="button" onClick={fetchToHost} disabled={fetching}>
          {fetching ? `Fetching to ${host}…` : `Fetch to ${host}`}
        </button>
      ) : null}
    </div>
  );
}
