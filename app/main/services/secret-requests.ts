// Passwords and passphrases SSH needs, asked of the operator through the contract
// (secretRequested, answered by answerSecret). A question goes to the client whose call needed
// it; a connection nobody asked for (background polling) asks every client, first answer wins.
// Secrets pass through memory only: never stored, never logged.
import { AsyncLocalStorage } from 'node:async_hooks';
import { randomUUID } from 'node:crypto';
import type { SecretRequest } from '../../shared/contract/convirt-contract.js';
import { ContractError } from '../../shared/contract/define.js';
import type { Prompts } from '../fleet/host-connector.js';

/** One connected client, as far as secrets are concerned. */
export interface SecretAsker {
  secretRequested(request: SecretRequest): void;
}

interface Pending {
  recipients: Set<SecretAsker>;
  settle(secret: string | undefined): void;
}

export class SecretRequests {
  private readonly caller = new AsyncLocalStorage<SecretAsker>();
  private readonly clients = new Set<SecretAsker>();
  private readonly pending = new Map<string, Pending>();

  /** @param timeoutMs how long a question waits for an answer before it counts as cancelled. */
  constructor(private readonly timeoutMs = 5 * 60_000) {}

  /** What HostConnector asks through. */
  readonly prompts: Prompts = {
    password: (target) => this.ask('password', target),
    passphrase: (keyFile) => this.ask('passphrase', keyFile),
  };

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

  /** The operator's answer; null cancels. */
  answer(client: SecretAsker, requestId: string, secret: string | null): void {
    const pending = this.pending.get(requestId);
    if (!pending?.recipients.has(client)) {
      throw new ContractError({
        code: 'not-found',
        message: 'That question is no longer waiting for an answer.',
      });
    }
    pending.settle(secret ?? undefined);
  }

  private ask(kind: SecretRequest['kind'], prompt: string): Promise<string | undefined> {
    // Work a client started can outlive it (a connection it opened, retried later).
    const caller = this.caller.getStore();
    const recipients = new Set(caller && this.clients.has(caller) ? [caller] : this.clients);
    if (recipients.size === 0) return Promise.resolve(undefined);
    const requestId = randomUUID();
    return new Promise((resolve) => {
      const timer = setTimeout(() => settle(undefined), this.timeoutMs);
      timer.unref(); // a question nobody answers must not keep the process alive
      const settle = (secret: string | undefined) => {
        clearTimeout(timer);
        this.pending.delete(requestId);
        resolve(secret);
      };
      this.pending.set(requestId, { recipients, settle });
      for (const client of recipients) client.secretRequested({ requestId, kind, prompt });
    });
  }
}
