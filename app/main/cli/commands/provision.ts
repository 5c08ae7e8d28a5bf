// appliance list, vm provision, iso upload|quota: the image store, new VMs, and ISOs.
import { basename } from 'node:path';
import { InvalidInputError } from '../../../shared/validation/names.js';
import type { Command } from '../command-table.js';
import { printRows, printTaskOutcome, UsageError } from '../io.js';

/** KEY=VALUE pairs of --param; a key given twice is refused. */
function parseParams(pairs: string[] = []): Record<string, string> {
  const params: Record<string, string> = {};
  for (const pair of pairs) {
    const eq = pair.indexOf('=');
    if (eq <= 0) throw new UsageError(`--param needs KEY=VALUE, got ${JSON.stringify(pair)}.`);
    const key = pair.slice(0, eq);
    if (Object.hasOwn(params, key)) throw new UsageError(`--param ${key} is given twice.`);
    params[key] = pair.slice(eq + 1);
  }
  return params;
}

export const provisionCommands: Command[] = [
  {
    name: 'appliance list',
    usage: '',
    summary: 'The appliances of the image store.',
    run: async ({ json, io, convirt }) => {
      const rows = (await (await convirt()).listAppliances()).map((a) => ({
        name: a.name,
        description: a.summary,
        os: a.os,
        hypervisors: a.hypervisors,
        sizeMiB: Math.ceil(a.sizeBytes / 1024 / 1024),
        customizable: a.options.map((o) => o.key),
        built: a.missing.length === 0,
      }));
      printRows(io, json, rows, ['name', 'os', 'sizeMiB', 'built', 'description']);
      return 0;
    },
  },
  {
    name: 'vm provision',
    usage:
      'APPLIANCE --host H --name N [--param KEY=VALUE]... [--start] [--image-cache HOST_DIR] | vm provision --template NAME --host H --name N [--param KEY=VALUE]... [--start] [--pool-dir HOST_DIR] [--shared-pool POOL]',
    summary: 'A new VM from an appliance of the image store, or from a template registered by URL.',
    notes: [
      'Every parameter is checked before anything runs on the host; refused: exit 2, nothing made.',
      'From a template or ISO registered by URL, H downloads it into the pool first unless a copy is there; params: memory vcpus vda_disk_size bridge mac.',
    ],
    run: async ({ args, values, convirt, finish }) => {
      const [appliance] = args;
      const { template, host, name } = values;
      if (template ? appliance : !appliance)
        throw new UsageError('vm provision needs an APPLIANCE or --template NAME (one of them).');
      if (!host) throw new UsageError('vm provision needs --host H.');
      if (!name) throw new UsageError('vm provision needs --name N.');
      const params = parseParams(values.param);
      const start = { start: values.start === true };
      const service = await convirt();
      if (!template)
        return finish(await service.provisionVm(host, appliance!, name, params, start));
      return finish(await service.provisionFromTemplate(host, template, name, params, start));
    },
  },
  {
    name: 'iso upload',
    usage: 'HOST FILE',
    summary:
      "Uploads an ISO into the host's ISO folder (refused when its quota would be exceeded).",
    run: async ({ args, json, io, convirt }) => {
      const [host, file] = args;
      if (!host || !file) throw new UsageError('iso upload needs HOST and FILE.');
      const service = await convirt();
      const { dir } = await service.isoSettings(host);
      const { task, refused } = await service.waitForTask((await service.uploadIso(host, file)).id);
      // Over the quota: refused before anything was sent.
      if (refused) throw new InvalidInputError('quota', task.error ?? 'The upload was refused.');
      if (task.status !== 'succeeded') return printTaskOutcome(task, io, json);
      const path = `${dir}/${basename(file)}`;
      if (!json) io.out(`Uploaded to ${host}:${path} (task ${task.id}).`);
      else io.out(JSON.stringify({ ...task, path }));
      return 0;
    },
  },
  {
    name: 'iso list',
    usage: 'HOST',
    summary: "The ISOs uploaded to the host's ISO folder, and how much of its quota they use.",
    run: async ({ args, json, io, convirt }) => {
      const [host] = args;
      if (!host) throw new UsageError('iso list needs HOST.');
      const listed = await (await convirt()).listIsos(host);
      if (json) io.out(JSON.stringify(listed));
      else {
        const MiB = 1024 * 1024;
        printRows(
          io,
          false,
          listed.isos.map((i) => ({ ...i, sizeMiB: Math.ceil(i.sizeBytes / MiB) })),
          ['name', 'sizeMiB', 'path'],
        );
        io.out(
          `${host}: ${Math.ceil(listed.usedBytes / MiB)} of ${listed.quotaMiB} MiB used in ${listed.dir}.`,
        );
      }
      return 0;
    },
  },
  {
    name: 'iso quota',
    usage: 'HOST MIB [--iso-dir HOST_DIR]',
    summary: "Sets a host's ISO folder and how much it may hold.",
    run: async ({ args, values, json, io, convirt }) => {
      const [host, mib] = args;
      if (!host || !mib || !/^\d+$/.test(mib))
        throw new UsageError('iso quota needs HOST and MIB.');
      const dir = values['iso-dir'];
      const settings = await (
        await convirt()
      ).isoSettings(host, {
        quotaMiB: Number(mib),
        ...(dir ? { dir } : {}),
      });
      io.out(
        json
          ? JSON.stringify(settings)
          : `${host}: ISO folder ${settings.dir}, quota ${settings.quotaMiB} MiB.`,
      );
      return 0;
    },
  },
];
