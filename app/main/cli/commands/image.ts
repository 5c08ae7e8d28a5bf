// image register|list|deploy|check-url|remove: templates and ISOs registered by URL.
import type { ConvirtService, TemplateView } from '../../../shared/contract/convirt-contract.js';
import type { TEMPLATE_FORMATS } from '../../../shared/validation/url-template.js';
import { InvalidInputError } from '../../../shared/validation/names.js';
import type { Command } from '../command-table.js';
import { confirmed, printRows, printTaskOutcome, UsageError } from '../io.js';
import { hypervisorOption } from './host.js';

async function template(service: ConvirtService, name: string): Promise<TemplateView | undefined> {
  return (await service.listTemplates()).find((t) => t.name === name);
}

export const imageCommands: Command[] = [
  {
    name: 'image register',
    usage:
      "NAME --url URL [--format qcow2|raw|iso] [--checksum SUM] [--header 'NAME:VALUE']... [--direct-download] [--os OS] [--hypervisor kvm|xen] [--client-cert NAME]",
    summary: 'Registers a template or ISO by URL (downloaded into the image store unless direct).',
    notes: [
      "Header values (tokens) are kept in ConVirt's secret store and never shown again.",
      '--direct-download: nothing is copied here; each host downloads it into its pool.',
    ],
    run: async ({ args, values, json, io, convirt }) => {
      const [name] = args;
      if (!name) throw new UsageError('image register needs a NAME.');
      if (!values.url) throw new UsageError('image register needs --url URL.');
      const hypervisor = hypervisorOption(values.hypervisor);
      const format = values.format as (typeof TEMPLATE_FORMATS)[number] | undefined;
      const service = await convirt();
      const task = await service.registerTemplate({
        name,
        url: values.url,
        ...(format ? { format } : {}),
        ...(values.checksum ? { checksum: values.checksum } : {}),
        ...(values.os ? { os: values.os } : {}),
        ...(hypervisor ? { hypervisor } : {}),
        headers: values.header ?? [],
        directDownload: values['direct-download'] === true,
        ...(values['client-cert'] ? { clientCertificate: values['client-cert'] } : {}),
      });
      const { task: done, refused } = await service.waitForTask(task.id);
      const t = done.status === 'succeeded' ? await template(service, name) : undefined;
      if (!t) {
        const message = done.error ?? `${name} was not registered (${done.status}).`;
        throw refused ? new InvalidInputError('template', message) : new Error(message);
      }
      io.out(
        json
          ? // Header values may carry tokens: names only.
            JSON.stringify({ ...t, headers: t.headerNames })
          : `Registered ${t.name}: ${t.downloadState}, ${t.state}${t.size ? `, ${t.size} bytes` : ''}.`,
      );
      return 0;
    },
  },
  {
    name: 'image list',
    usage: '',
    summary: 'The templates and ISOs registered by URL, and the pools that hold a copy.',
    run: async ({ json, io, convirt }) => {
      const rows = (await (await convirt()).listTemplates()).map((t) => ({
        ...t,
        checksum: t.checksum ? `${t.checksum.slice(0, t.checksum.indexOf(':') + 13)}…` : undefined,
        headers: t.headerNames,
        pools: t.pools.map((p) => p.pool),
      }));
      const columns = [
        'name',
        'format',
        'hypervisor',
        'downloadState',
        'state',
        'enabled',
        'size',
        'url',
      ];
      printRows(io, json, rows, [...columns, 'pools']);
      return 0;
    },
  },
  {
    name: 'image deploy',
    usage: 'NAME --host H --pool-dir HOST_DIR [--shared-pool POOL]',
    summary: 'H downloads the template into a pool folder; a copy already there is reused.',
    notes: [
      "With --shared-pool, the folder is storage the hosts of H's server pool share: they are tried in turn when H's download fails.",
    ],
    run: async ({ args, values, json, io, convirt }) => {
      const [name] = args;
      const { host } = values;
      const poolDir = values['pool-dir'];
      if (!name || !host || !poolDir) {
        throw new UsageError('image deploy needs NAME, --host H and --pool-dir HOST_DIR.');
      }
      const service = await convirt();
      const started = await service.deployTemplate(name, host, poolDir, values['shared-pool']);
      const { task } = await service.waitForTask(started.id);
      // The task acts on NAME@POOL; the pool's copy says where it is.
      const pool = task.target.slice(name.length + 1);
      const copy = (await template(service, name))?.pools.find((p) => p.pool === pool);
      if (task.status !== 'succeeded' || json || !copy) return printTaskOutcome(task, io, json);
      const reused = task.message?.startsWith('Reused') ? ' (reused)' : '';
      io.out(`${name} is at ${host}:${copy.path}${reused} (task ${task.id}).`);
      return 0;
    },
  },
  {
    name: 'image settings',
    usage: 'NAME [--enable|--disable] [--server-pool GROUP_ID]... [--every-pool]',
    summary: 'Whether a template may be provisioned from, and the server pools that may use it.',
    notes: [
      "An image list's first download is disabled; a new version of it gets the old one's settings.",
    ],
    run: async ({ args, values, json, io, convirt }) => {
      const [name] = args;
      if (!name) throw new UsageError('image settings needs a NAME.');
      if (values.enable && values.disable) {
        throw new UsageError('image settings takes --enable or --disable, not both.');
      }
      const pools = values['server-pool']?.map((id) => {
        if (!/^[1-9]\d*$/.test(id))
          throw new UsageError(`--server-pool takes a group id, not ${id}.`);
        return Number(id);
      });
      if (pools && values['every-pool']) {
        throw new UsageError('image settings takes --server-pool or --every-pool, not both.');
      }
      const t = await (
        await convirt()
      ).setTemplateSettings(name, {
        ...(values.enable || values.disable ? { enabled: values.enable === true } : {}),
        ...(pools ? { serverPools: pools } : values['every-pool'] ? { serverPools: null } : {}),
      });
      const where =
        t.serverPools === null
          ? 'every server pool'
          : `server pools ${t.serverPools.join(', ') || 'none'}`;
      io.out(
        json ? JSON.stringify(t) : `${t.name}: ${t.enabled ? 'enabled' : 'disabled'}, ${where}.`,
      );
      return 0;
    },
  },
  {
    name: 'image check-url',
    usage: "URL [--header 'NAME:VALUE']... [--hypervisor kvm|xen]",
    summary: 'Checks every candidate URL (each of a metalink) from a host of the inventory.',
    run: async ({ args, values, json, io, convirt }) => {
      const [url] = args;
      if (!url) throw new UsageError('image check-url needs a URL.');
      const hypervisor = hypervisorOption(values.hypervisor);
      const r = await (await convirt()).checkTemplateUrl(url, values.header ?? [], hypervisor);
      if (json) io.out(JSON.stringify(r));
      else {
        io.out(`Checked from ${r.host}:`);
        for (const c of r.candidates) {
          io.out(
            `  ${c.ok ? 'ok  ' : 'FAIL'} ${c.url}  ${c.ok ? `${c.size ?? '?'} bytes` : (c.error ?? '')}`,
          );
        }
      }
      return r.reachable ? 0 : 1;
    },
  },
  {
    name: 'image remove',
    usage: 'NAME [--yes]',
    summary:
      'Forgets a template and its image store copy; copies on pools stay (VMs may use them).',
    run: async ({ args, values, json, io, convirt }) => {
      const [name] = args;
      if (!name) throw new UsageError('image remove needs a NAME.');
      const service = await convirt();
      if (!(await template(service, name)))
        throw new UsageError(`No template or ISO named ${JSON.stringify(name)}.`);
      if (!(await confirmed(io, values.yes === true, `Removing ${name}`, `Remove ${name}`)))
        return 2;
      const { leftOnPools } = await service.removeTemplate(name);
      if (json) io.out(JSON.stringify({ removed: name, leftOnPools }));
      else {
        io.out(`Removed ${name}.`);
        for (const copy of leftOnPools)
          io.out(`  its copy stays on ${copy.pool}: ${copy.path} (VMs may use it)`);
      }
      return 0;
    },
  },
];
