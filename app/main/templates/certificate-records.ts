// Certificates the hosts' downloads trust or present: CAs and client certificates in the
// inventory's download_certificates, a client certificate's private key in the secret store.
import { isoNow, type Clock } from '../inventory/clock.js';
import type { Db } from '../inventory/database.js';
import { ConflictError } from '../inventory/errors.js';
import type { SecretVault } from '../secrets/vault.js';
import type { CertificateInfo } from './certificates.js';
import { clientKeyId, unlocked } from './template-secrets.js';

export class CertificateRecords {
  constructor(
    private readonly db: Db,
    private readonly clock: Clock,
    private readonly vault: SecretVault | undefined,
  ) {}

  add(info: CertificateInfo, pem: string): void {
    if (this.get(info.name)) {
      throw new ConflictError(`A certificate named ${info.name} already exists.`);
    }
    this.db
      .prepare(
        `INSERT INTO download_certificates (name, kind, pem, subject, issuer, valid_from,
           valid_to, fingerprint256, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        info.name,
        info.kind,
        pem,
        info.subject,
        info.issuer,
        info.validFrom,
        info.validTo,
        info.fingerprint256,
        isoNow(this.clock),
      );
  }

  get(name: string): (CertificateInfo & { pem: string }) | undefined {
    return this.list().find((c) => c.name === name);
  }

  list(): (CertificateInfo & { pem: string })[] {
    return this.db
      .prepare<[], CertificateInfo & { pem: string }>(
        `SELECT name, kind, pem, subject, issuer, valid_from AS validFrom, valid_to AS validTo,
           fingerprint256 FROM download_certificates ORDER BY name`,
      )
      .all();
  }

  remove(name: string): boolean {
    return (
      this.db.prepare('DELETE FROM download_certificates WHERE name = ?').run(name).changes > 0
    );
  }

  /**
   * A client certificate's private key, kept in the secret store (never in the inventory) so
   * that hosts added later get the certificate too. The store must be unlocked.
   */
  setClientKey(name: string, keyPem: string): void {
    unlocked(this.vault).set(clientKeyId(name), keyPem, `Key of the client certificate ${name}`);
  }

  /** The key, or undefined when the store has none for it (uploaded before keys were kept). */
  clientKey(name: string): string | undefined {
    return unlocked(this.vault).get(clientKeyId(name));
  }

  removeClientKey(name: string): void {
    unlocked(this.vault).delete(clientKeyId(name));
  }
}
