// imagelist subscribe|list|show|update|unsubscribe: subscriptions to signed image lists, whose
// images become templates by URL (docs/image-lists.md).
import { resolve } from 'node:path';
import type { ConvirtService } from '../../../shared/contract/convirt-contract.js';
import { InvalidInputError } from '../../../shared/validation/names.js';
import type { Command } from '../command-table.js';
import type { Io } from '../io.js';
import { printRows, UsageError } from '../io.js';

/** Waits for the task; a refused or failed one throws its error. */
async function awaitTask(service: ConvirtService, id: string): Promise<void> {
  const { task, refused } = await service.waitForTask(id);
  if (task.status === 'succeeded') return;
  const message = task.error ?? `${task.kind} ${task.target}: ${task.status}`;
  throw refused ? new InvalidInputError('imagelist', message) : new Error(message);
}

async function show(service: ConvirtService, name: string, json: boolean, io: Io): Promise<void> {
  const { subscription: s, images } = await service.showImageList(name);
  if (json) {
    io.out(JSON.stringify({ subscription: s, images }));
    return;
  }
  io.out(`${s.name}: ${s.url}`);
  io.out(`  list      ${s.identifier ?? '(none accepted yet)'} ${s.title ? `"${s.title}"` : ''}`);
  io.out(`  version   ${s.version ?? '-'}, ${s.state}, expires ${s.listExpires ?? '-'}`);
  io.out(`  endorser  ${s.endorser ?? (s.allowUnsigned ? '(unsigned allowed)' : '-')}`);
  io.out(`  checked   ${s.lastCheckedAt ?? 'never'}${s.lastError ? `: ${s.lastError}` : ''}`);
  const rows = images.map((i) => ({
    ...i,
    title: i.title ?? '',
    enabled: i.enabled === null ? '' : i.enabled ? 'yes' : 'no',
    os: [i.os, i.osVersion].filter(Boolean).join(' '),
    note: i.note ?? '',
  }));
  const columns = ['identifier', 'title', 'version', 'size', 'hypervisor', 'format', 'os'];
  printRows(io, false, rows, [...columns, 'expires', 'state', 'template', 'enabled', 'note']);
}

const subscriptionName = (args: string[], command: string) => {
  const [name] = args;
  if (!name) throw new UsageError(`imagelist ${command} needs a NAME.`);
  return name;
};

export const imageListCommands: Command[] = [
  {
    name: 'imagelist subscribe',
    usage:
      "URL --trust-ca FILE|--trust-ca-dir DIR [--endorser-dn DN] [--name N] [--header 'NAME:VALUE']... [--allow-unsigned]",
    summary: 'Subscribes to a signed image list; its images become templates, each disabled.',
    notes: [
      "The list is fetched here (through convirt.conf's http_proxy), its S/MIME signature verified with openssl against the CA file or hashed CA folder, and its signer compared with the list's hv:dn and hv:ca (and --endorser-dn); anything refused leaves nothing behind.",
      '--allow-unsigned: accept a list without a signature (then no CA is needed).',
    ],
    run: async ({ args, values, json, io, convirt }) => {
      const [url] = args;
      if (!url) throw new UsageError('imagelist subscribe needs a URL.');
      const caFile = values['trust-ca'];
      const caDir = values['trust-ca-dir'];
      if (!caFile && !caDir && !values['allow-unsigned']) {
        throw new UsageError(
          'imagelist subscribe needs --trust-ca FILE, --trust-ca-dir DIR or --allow-unsigned.',
        );
      }
      const service = await convirt();
      const task = await service.subscribeImageList({
        url,
        ...(values.name ? { name: values.name } : {}),
        ...(caFile ? { trustCaFile: resolve(caFile) } : {}),
        ...(caDir ? { trustCaDir: resolve(caDir) } : {}),
        ...(values['endorser-dn'] ? { endorserDn: values['endorser-dn'] } : {}),
        headers: values.header ?? [],
        allowUnsigned: values['allow-unsigned'] === true,
      });
      await awaitTask(service, task.id);
      await show(service, task.target, json, io);
      return 0;
    },
  },
  {
    name: 'imagelist list',
    usage: '',
    summary: 'The subscriptions: list, version, state, last check.',
    run: async ({ json, io, convirt }) => {
      const rows = (await (await convirt()).listImageLists()).map((s) => ({
        ...s,
        version: s.version ?? '',
        lastError: s.lastError ?? '',
      }));
      printRows(io, json, rows, [
        'name',
        'version',
        'state',
        'listExpires',
        'lastCheckedAt',
        'url',
        'lastError',
      ]);
      return 0;
    },
  },
  {
    name: 'imagelist show',
    usage: 'NAME',
    summary: 'A subscription and its images: version, size, format, OS, expiry, state, template.',
    run: async ({ args, json, io, convirt }) => {
      await show(await convirt(), subscriptionName(args, 'show'), json, io);
      return 0;
    },
  },
  {
    name: 'imagelist update',
    usage: '[NAME]',
    summary: 'Fetches the list again (every subscription without NAME): new versions rotated.',
    notes: [
      "A new version of an image: the old template is disabled, restricted to no server pool and renamed IDENTIFIER_TIMESTAMP; the new one is registered as IDENTIFIER with the old one's settings. For cron.",
      'Refused (exit 1, the reason on standard error), nothing changed: a bad signature, a signer other than the endorser, another identifier, a creation date in the future, an older version; an expired list is marked expired and its images expire.',
    ],
    run: async ({ args, json, io, convirt }) => {
      const service = await convirt();
      const names = args[0] ? [args[0]] : (await service.listImageLists()).map((s) => s.name);
      let code = 0;
      for (const name of names) {
        const task = await service.updateImageList(name);
        try {
          await awaitTask(service, task.id);
          if (!json) io.out(`${name}: updated (task ${task.id}).`);
        } catch (err) {
          if (names.length === 1) throw err;
          io.err(`${name}: ${(err as Error).message}`);
          code = 1;
        }
      }
      if (json) io.out(JSON.stringify(await service.listImageLists()));
      return code;
    },
  },
  {
    name: 'imagelist unsubscribe',
    usage: 'NAME',
    summary: 'Forgets a subscription; its templates stay (VMs may use them).',
    run: async ({ args, json, io, convirt }) => {
      const name = subscriptionName(args, 'unsubscribe');
      const { templatesKept } = await (await convirt()).unsubscribeImageList(name);
      io.out(
        json
          ? JSON.stringify({ templatesKept })
          : `Unsubscribed ${name}; templates kept: ${templatesKept.join(', ') || 'none'}.`,
      );
      return 0;
    },
  },
];
