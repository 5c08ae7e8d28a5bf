// The operator's answers to secret questions, and the SSH secrets remembered in the secret store.
import { ContractError } from '../../../shared/contract/define.js';
import { headerSecretCounts } from '../../templates/template-secrets.js';
import type { ApiContext, Slice } from './context.js';

export function secretsApi({
  options,
  inventory,
  client,
}: ApiContext): Slice<
  'answerSecret' | 'listRememberedSecrets' | 'forgetSecret' | 'secretStoreInfo'
> {
  return {
    secretStoreInfo: () => {
      const { vault } = options;
      return {
        file: vault?.file ?? '',
        protection: vault?.protectionKind ?? 'none',
        exists: vault?.exists() ?? false,
        httpHeaderValues: headerSecretCounts(inventory.db),
      };
    },
    answerSecret: (requestId, secret, answer) =>
      options.secrets.answer(client, requestId, secret, answer?.remember === true),
    listRememberedSecrets: () => options.sshSecrets.remembered(),
    forgetSecret: (id) => {
      if (!options.sshSecrets.forget(id)) {
        throw new ContractError({ code: 'not-found', message: 'No such remembered secret.' });
      }
    },
  };
}
