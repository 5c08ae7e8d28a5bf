// Passwords and passphrases SSH needs, and the secret store's master passphrase, asked of the
// operator through the contract (secretRequested, answered by answerSecret). A question goes to
// the client whose call needed it; a connection nobody asked for (background polling) asks every
// client, first answer wins. Answers are handed over, never logged: what is kept, and where, is
// app/main/secrets/'s business.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { SecretRequest } from '../../shared/contract/convirt-contract.js';
import { ContractError } from '../../shared/contract/define.js';
import type { AskMasterPassphrase } from '../secrets/passphrase-protection.js';
import type { AskSshSecret, SecretAnswer } from '../secrets/ssh-secrets.js';

/** One connected client, as far as secrets are concerned. */
export interface SecretAsker {
  secretRequested(request: SecretRequest): void;
}

interface Pending {
  recipients: Set<SecretAsker>;
  settle(answer: SecretAnswer | undefined): void;
}

export class SecretRequests {
  private readonly caller = new AsyncLocalStorage<SecretAsker>();
  private readonly clients = new Set<SecretAsker>();
  private readonly pending = new Map<string, Pending>();

  /** @param timeoutMs how long a question waits for an answer before it counts as cancelled. */
  constructor(private readonly timeoutMs = 5 * 60_000) {}

  /** What SshSecrets asks through. */
  readonly askSsh: AskSshSecret = (kind, subject) => this.ask(kind, subject);

  /** What the vault's passphrase protection asks through. */
  readonly askMasterPassphrase: AskMasterPassphrase = async (purpose) =>
    (
      await this.ask(
        purpose === 'create' ? 'new-master-passphrase' : 'master-passphrase',
        "ConVirt's secret store",
      )
    )?.secret;

  /** Runs `work` on behalf of `client`: the questions it causes go to that client. */
  runAs<T>(client: SecretAsker, work: () => T): T {
    return this.caller.run(client, work);
  }

  addClient(client: SecretAsker): void {
    this.clients.add(client);
  }

  /** The client left: questions only it could answer are cancelled. */
  removeClient(client: SecretAsker): void {
    this.clients.delete(client);
    for (const pending of [...this.pending.values()]) {
      pending.recipients.delete(client);
      if (pending.recipients.size === 0) pending.settle(undefined);
    }
  }

  /** Cancels every question (shutting down). */
  cancelAll(): void {
    for (const pending of [...this.pending.values()]) pending.settle(undefined);
  }

  /** The operator's answer; null cancels. `remember` asks for it to be kept in the vault. */
  answer(client: SecretAsker, requestId: string, secret: string | null, remember = false): void {
    const pending = this.pending.get(requestId);
    if (!pending?.recipients.has(client)) {
      throw new ContractError({
        code: 'not-found',
        message: 'That question is no longer waiting for an answer.',
      });
    }
    pending.settle(secret === null ? undefined : { secret, remember });
  }

  private ask(kind: SecretRequest['kind'], prompt: string): Promise<SecretAnswer | undefined> {
    // Work a client started can outlive it (a connection it opened, retried later).
    const caller = this.caller.getStore();
    const recipients = new Set(caller && this.clients.has(caller) ? [caller] : this.clients);
    if (recipients.size === 0) return Promise.resolve(undefined);
    const requestId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.timeoutMs);
      timer.unref(); // a question nobody answers must not keep the process alive
      const settle = (answer: SecretAnswer | undefined) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(answer);
      };
      this.pending.set(requestId, { recipients, settle });
      for (const client of recipients) client.secretRequested({ requestId, kind, prompt });
    });
  }
}
