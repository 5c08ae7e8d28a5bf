// The operator's answers to secret questions, and the SSH secrets remembered in the secret store.
import { ContractError } from '../../../shared/contract/define.js';
import type { ApiContext, Slice } from './context.js';

export function secretsApi({
  options,
  client,
}: ApiContext): Slice<'answerSecret' | 'listRememberedSecrets' | 'forgetSecret'> {
  return {
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
