// cert add|list|remove: the certificates the hosts' downloads by URL trust (CAs) or present
// (client certificates, whose keys are kept in the secret store).
import { readFileSync } from 'node:fs';
import type { Command } from '../command-table.js';
import { printRows, UsageError } from '../io.js';

export const certCommands: Command[] = [
  {
    name: 'cert add',
    usage: 'NAME --ca FILE | cert add NAME --cert FILE --key FILE',
    summary: 'Adds a CA or a client certificate and installs it on every host.',
    notes: ['Exit status 1 when some host did not get it (they are named).'],
    run: async ({ args, values, json, io, convirt }) => {
      const [name] = args;
      if (!name) throw new UsageError('cert add needs a NAME.');
      const { ca, cert, key } = values;
      if (ca ? cert || key : !(cert && key)) {
        throw new UsageError('cert add needs either --ca FILE, or --cert FILE and --key FILE.');
      }
      const upload = ca
        ? { name, kind: 'ca' as const, pem: readFileSync(ca, 'utf8') }
        : {
            name,
            kind: 'client' as const,
            pem: readFileSync(cert!, 'utf8'),
            keyPem: readFileSync(key!, 'utf8'),
          };
      const { info, failed } = await (await convirt()).addCertificate(upload);
      if (json) io.out(JSON.stringify({ ...info, failed }));
      else
        io.out(
          `Added ${info.kind} certificate ${info.name} (${info.subject}), valid to ${info.validTo}.`,
        );
      for (const f of failed) io.err(`Not installed on ${f}`);
      return failed.length ? 1 : 0;
    },
  },
  {
    name: 'cert list',
    usage: '',
    summary: 'The certificates for downloads by URL.',
    run: async ({ json, io, convirt }) => {
      const rows = await (await convirt()).listCertificates();
      printRows(io, json, rows, ['name', 'kind', 'subject', 'validTo']);
      return 0;
    },
  },
  {
    name: 'cert remove',
    usage: 'NAME',
    summary: 'Removes a certificate from every host.',
    run: async ({ args, json, io, convirt }) => {
      const [name] = args;
      if (!name) throw new UsageError('cert remove needs a NAME.');
      const { failed } = await (await convirt()).removeCertificate(name);
      if (!json) io.out(`Removed ${name}.`);
      for (const f of failed) io.err(`Not removed from ${f}`);
      return failed.length ? 1 : 0;
    },
  },
];
