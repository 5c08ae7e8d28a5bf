// ISOs uploaded from this machine into a host's ISO folder, within the quota set for the host.
import { ContractError } from '../../../shared/contract/define.js';
import { checkIsoFile, listHostIsos, uploadIso } from '../../provisioning/iso-upload.js';
import type { ApiContext, Slice } from './context.js';

export function isosApi({
  options,
  fleet,
  outcomes,
}: ApiContext): Slice<'uploadIso' | 'isoSettings' | 'listIsos'> {
  const { isoSettings } = options;
  return {
    uploadIso: (host, file) => {
      // A path names a file of the machine main runs on: for its operator (convirtctl) only.
      if (!options.oneShot) {
        throw new ContractError({
          code: 'unauthorized',
          message: 'ISOs are uploaded from a file of this machine with convirtctl iso upload.',
        });
      }
      const target = fleet.host(host);
      checkIsoFile(file);
      const prefix = target.useSudo ? ['sudo', '-n'] : [];
      const started = fleet.tasks.run('iso.upload', `${host}:${file}`, async (ctx) =>
        uploadIso(
          ctx,
          ctx.record(await fleet.connections.get(host)),
          file,
          isoSettings.get(host),
          options.provisioning.checksums,
          prefix,
        ),
      );
      return outcomes.track(started);
    },
    listIsos: async (host) => {
      const target = fleet.host(host);
      return listHostIsos(
        await fleet.connections.get(host),
        isoSettings.get(host),
        target.useSudo ? ['sudo', '-n'] : [],
      );
    },
    isoSettings: (host, change) => {
      fleet.host(host);
      if (!change) return isoSettings.get(host);
      const { quotaMiB, dir } = change;
      return isoSettings.set(host, {
        ...(quotaMiB === undefined ? {} : { quotaMiB }),
        ...(dir === undefined ? {} : { dir }),
      });
    },
  };
}
