// Passwords and key passphrases SSH needs. An answer is kept in memory for the rest of the
// session (per user@host, per key file), so the next connection does not ask again; with
// "Remember" it also goes into the vault and survives a restart. A secret the host or the key
// rejects is forgotten at once, in memory and in the vault, and asked again.
import type { Prompts } from '../ssh/prompts.js';
import type { SecretVault, VaultEntry } from './vault.js';

export type SshSecretKind = 'password' | 'passphrase';

export interface SecretAnswer {
  secret: string;
  /** Keep it in the vault, not only for this session. */
  remember: boolean;
}

/** Asks the operator; undefined when cancelled or nobody can answer. */
export type AskSshSecret = (
  kind: SshSecretKind,
  subject: string,
) => Promise<SecretAnswer | undefined>;

const PREFIX: Record<SshSecretKind, string> = {
  password: 'ssh-password:',
  passphrase: 'ssh-passphrase:',
};

/** The vault id of an SSH secret: `ssh-password:root@web1`, `ssh-passphrase:/home/op/.ssh/id`. */
export function sshSecretId(kind: SshSecretKind, subject: string): string {
  return PREFIX[kind] + subject;
}

export function isSshSecretId(id: string): boolean {
  return Object.values(PREFIX).some((p) => id.startsWith(p));
}

function label(kind: SshSecretKind, subject: string): string {
  return kind === 'password' ? `Password for ${subject}` : `Passphrase of ${subject}`;
}

interface Kept {
  secret: string;
  /** Typed by the operator for the question being answered now, rather than kept from before. */
  justAsked: boolean;
}

export interface SshSecretsOptions {
  ask: AskSshSecret;
  /** Where remembered secrets go; without one, "Remember" keeps them for the session only. */
  vault?: SecretVault;
  /** Told when something could not be remembered or forgotten (the message holds no secret). */
  warn?: (message: string) => void;
}

export class SshSecrets {
  private readonly session = new Map<string, Kept>();
  /** Questions on their way: connections needing the same secret at once ask once. */
  private readonly asking = new Map<string, Promise<string | undefined>>();

  constructor(private readonly options: SshSecretsOptions) {}

  /** What HostConnector asks through. */
  readonly prompts: Prompts = {
    password: (target) => this.secret('password', target),
    passphrase: (keyFile) => this.secret('passphrase', keyFile),
    rejected: (kind, subject) => this.rejected(kind, subject),
  };

  /** The remembered (vault) SSH secrets, without their values. */
  remembered(): VaultEntry[] {
    return (this.options.vault?.list() ?? []).filter((e) => isSshSecretId(e.id));
  }

  /** Forgets a secret, remembered or kept for the session; false when it was neither. */
  forget(id: string): boolean {
    if (!isSshSecretId(id)) return false;
    const inSession = this.session.delete(id);
    return (this.options.vault?.delete(id) ?? false) || inSession;
  }

  private secret(kind: SshSecretKind, subject: string): Promise<string | undefined> {
    const id = sshSecretId(kind, subject);
    const kept = this.session.get(id);
    if (kept) {
      kept.justAsked = false;
      return Promise.resolve(kept.secret);
    }
    const pending = this.asking.get(id);
    if (pending) return pending;
    const lookup = this.lookUp(kind, subject, id).finally(() => this.asking.delete(id));
    this.asking.set(id, lookup);
    return lookup;
  }

  private async lookUp(
    kind: SshSecretKind,
    subject: string,
    id: string,
  ): Promise<string | undefined> {
    const vault = this.options.vault;
    if (vault?.has(id)) {
      try {
        await vault.unlock();
        const secret = vault.get(id);
        if (secret !== undefined) {
          this.session.set(id, { secret, justAsked: false });
          return secret;
        }
      } catch (err) {
        this.warn(
          `A remembered secret could not be read, so it is asked: ${(err as Error).message}`,
        );
      }
    }
    const answer = await this.options.ask(kind, subject);
    if (!answer) return undefined;
    this.session.set(id, { secret: answer.secret, justAsked: true });
    if (answer.remember) {
      if (!vault)
        this.warn(
          `${label(kind, subject)} is kept for this session only: there is no secret store.`,
        );
      else {
        try {
          await vault.unlock();
          vault.set(id, answer.secret, label(kind, subject));
        } catch (err) {
          this.warn(`${label(kind, subject)} was not remembered: ${(err as Error).message}`);
        }
      }
    }
    return answer.secret;
  }

  /**
   * The host or the key refused the secret: forget it everywhere. True when it had been kept from
   * before (so asking the operator now is worth it), false when they had just typed it.
   */
  private rejected(kind: SshSecretKind, subject: string): boolean {
    const id = sshSecretId(kind, subject);
    const kept = this.session.get(id);
    this.session.delete(id);
    try {
      this.options.vault?.delete(id);
    } catch (err) {
      this.warn(
        `${label(kind, subject)} was refused but could not be forgotten: ${(err as Error).message}`,
      );
    }
    return kept !== undefined && !kept.justAsked;
  }

  private warn(message: string): void {
    (this.options.warn ?? ((m: string) => console.warn(m)))(message);
  }
}
