// secrets list|forget: the SSH secrets ConVirt remembers (names, never values), how many HTTP
// header values its secret store holds, and forgetting them.
import type { Command } from '../command-table.js';
import { UsageError } from '../io.js';

export const secretsCommands: Command[] = [
  {
    name: 'secrets list',
    usage: '',
    summary: 'The remembered SSH secrets, by name (never their values).',
    run: async ({ json, io, convirt }) => {
      const service = await convirt();
      const store = await service.secretStoreInfo();
      const remembered = await service.listRememberedSecrets();
      const headers = store.httpHeaderValues;
      if (json) {
        const { file, protection } = store;
        io.out(JSON.stringify({ store: file, protection, remembered, httpHeaderValues: headers }));
        return 0;
      }
      io.out(`Secret store: ${store.file} (${store.exists ? store.protection : 'none yet'})`);
      for (const s of remembered) io.out(`${s.id}\t${s.label}\t${s.createdAt}`);
      if (remembered.length === 0) io.out('No SSH secret is remembered.');
      io.out(`HTTP header values in the store: ${headers.stored}`);
      if (headers.plainText > 0) {
        io.out(
          `HTTP header values still in plain text in the inventory: ${headers.plainText} ` +
            '(moved when the store is unlocked, e.g. by `convirtctl image list`)',
        );
      }
      return 0;
    },
  },
  {
    name: 'secrets forget',
    usage: 'ID | secrets forget --all',
    summary: 'Forgets a remembered SSH secret, or all of them.',
    run: async ({ args, values, json, io, convirt }) => {
      const all = values.all === true;
      if (!all && !args[0]) throw new UsageError('secrets forget needs an ID or --all.');
      const service = await convirt();
      const remembered = (await service.listRememberedSecrets()).map((s) => s.id);
      const ids = all ? remembered : [args[0]!];
      for (const id of ids) {
        if (!remembered.includes(id))
          throw new UsageError(`No remembered secret ${JSON.stringify(id)}.`);
        await service.forgetSecret(id);
      }
      if (!json) io.out(`Forgot ${ids.length} secret${ids.length === 1 ? '' : 's'}.`);
      return 0;
    },
  },
];
