// ISOs uploaded from this machine into a host's ISO folder, within the quota set for the host.
import {
  checkIsoFile,
  checkIsoImage,
  listHostIsos,
  uploadIso,
} from '../../provisioning/iso-upload.js';
import type { ApiContext, Slice } from './context.js';

export function isosApi({
  options,
  fleet,
  outcomes,
}: ApiContext): Slice<'uploadIso' | 'isoSettings' | 'listIsos'> {
  const { isoSettings } = options;
  return {
    uploadIso: (host, file) => {
      const target = fleet.host(host);
      // A path names a file of the machine main runs on. convirtctl's operator can read any of
      // them anyway; the UI's clients may send only what really is an ISO image.
      if (options.oneShot) checkIsoFile(file);
      else checkIsoImage(file);
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
