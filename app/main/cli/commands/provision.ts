// appliance list, vm provision, iso upload|quota: the image store, new VMs, and ISOs.
import { readFileSync } from 'node:fs';
import { basename } from 'node:path';
import { InvalidInputError } from '../../../shared/validation/names.js';
import type { Command, OptionValues } from '../command-table.js';
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

/** The --ci-* options as the contract's cloud-init input; undefined when none is given. */
function cloudInitOptions(values: OptionValues) {
  const text = (file: string) => readFileSync(file, 'utf8');
  const ip = values['ci-ip'];
  const input = {
    ...(values['ci-hostname'] ? { hostname: values['ci-hostname'] } : {}),
    ...(values['ci-user'] ? { user: values['ci-user'] } : {}),
    ...(values['ci-ssh-key']?.length
      ? { sshAuthorizedKeys: values['ci-ssh-key'].flatMap((f) => text(f).split('\n')) }
      : {}),
    ...(values['ci-password-hash'] ? { passwordHash: values['ci-password-hash'] } : {}),
    ...(ip
      ? {
          network: {
            mode: 'static' as const,
            address: ip,
            ...(values['ci-gateway'] ? { gateway: values['ci-gateway'] } : {}),
            ...(values['ci-dns']?.length ? { dns: values['ci-dns'] } : {}),
          },
        }
      : {}),
    ...(values['ci-user-data'] ? { userData: text(values['ci-user-data']) } : {}),
  };
  return Object.keys(input).length ? input : undefined;
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
    name: 'appliance fetch',
    usage: 'NAME --host H [--image-cache HOST_DIR]',
    summary:
      "Puts an appliance's images in the host's image cache ahead of provisioning (fetched from their URLs by the host), with progress.",
    run: async ({ args, values, convirt, finish }) => {
      const [appliance] = args;
      if (!appliance || !values.host)
        throw new UsageError('appliance fetch needs NAME and --host H.');
      return finish(await (await convirt()).fetchApplianceImages(values.host, appliance));
    },
  },
  {
    name: 'vm provision',
    usage:
      'APPLIANCE --host H --name N [--param KEY=VALUE]... [--start] [--image-cache HOST_DIR] [--ci-user USER --ci-ssh-key PUBKEY_FILE... --ci-password-hash HASH --ci-hostname NAME --ci-ip ADDR/PREFIX --ci-gateway IP --ci-dns IP... --ci-user-data FILE] | vm provision --template NAME --host H --name N [--param KEY=VALUE]... [--start] [--pool-dir HOST_DIR] [--shared-pool POOL]',
    summary: 'A new VM from an appliance of the image store, or from a template registered by URL.',
    notes: [
      'Every parameter is checked before anything runs on the host; refused: exit 2, nothing made.',
      'An appliance with cloud_init = yes gets a NoCloud seed: --ci-* set its host name, a user with SSH keys and/or a password hash (openssl passwd -6; never the password), a static address (else DHCP) and #cloud-config user-data.',
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
      const cloudInit = cloudInitOptions(values);
      if (!template)
        return finish(
          await service.provisionVm(host, appliance!, name, params, {
            ...start,
            ...(cloudInit ? { cloudInit } : {}),
          }),
        );
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
