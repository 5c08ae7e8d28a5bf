// convirtctl secrets list|forget: the SSH secrets ConVirt remembers (names, never values), how
// many HTTP header values its secret store holds, and forgetting them.
import { headerSecretCounts } from '../templates/template-records.js';
import type { Db } from '../inventory/database.js';
import type { SshSecrets } from '../secrets/ssh-secrets.js';
import type { SecretVault } from '../secrets/vault.js';

export interface SecretsCommandIo {
  out(text: string): void;
}

/** Returns the exit status; throws the usage errors it finds through `usage`. */
export function secretsCommand(
  verb: string | undefined,
  args: string[],
  options: { json: boolean; all: boolean },
  deps: { vault: SecretVault; sshSecrets: SshSecrets; db: Db; usage: (m: string) => Error },
  io: SecretsCommandIo,
): number {
  const { vault, sshSecrets } = deps;
  switch (verb) {
    case 'list': {
      const remembered = sshSecrets.remembered();
      const headers = headerSecretCounts(deps.db);
      const summary = {
        store: vault.file,
        protection: vault.protectionKind,
        remembered,
        httpHeaderValues: headers,
      };
      if (options.json) io.out(JSON.stringify(summary));
      else {
        io.out(
          `Secret store: ${vault.file} (${vault.exists() ? vault.protectionKind : 'none yet'})`,
        );
        for (const s of remembered) io.out(`${s.id}\t${s.label}\t${s.createdAt}`);
        if (remembered.length === 0) io.out('No SSH secret is remembered.');
        io.out(`HTTP header values in the store: ${headers.stored}`);
        if (headers.plainText > 0) {
          io.out(
            `HTTP header values still in plain text in the inventory: ${headers.plainText} ` +
              '(moved when the store is unlocked, e.g. by `convirtctl image list`)',
          );
        }
      }
      return 0;
    }
    case 'forget': {
      const ids = options.all ? sshSecrets.remembered().map((s) => s.id) : args.slice(0, 1);
      if (ids.length === 0 && !options.all)
        throw deps.usage('secrets forget needs an ID or --all.');
      for (const id of ids) {
        if (!sshSecrets.forget(id)) throw deps.usage(`No remembered secret ${JSON.stringify(id)}.`);
      }
      if (!options.json) io.out(`Forgot ${ids.length} secret${ids.length === 1 ? '' : 's'}.`);
      return 0;
    }
    default:
      throw deps.usage('secrets needs list or forget.');
  }
}
