// The secret side of templates by URL: HTTP header values (an Authorization header is a
// credential) and client certificates' keys live in ConVirt's secret store, never in the
// inventory, which keeps each header's name and a reference into the store. Header values
// registered before migration 3 are still in plain text until moveHeaderValuesIntoVault moves them.
import { randomUUID } from 'node:crypto';
import { dirname } from 'node:path';
import { parseHttpHeader, type HttpHeader } from '../../shared/validation/download-source.js';
import type { Db } from '../inventory/database.js';
import { vaultIn } from '../secrets/vault-registry.js';
import { VaultLockedError, type SecretVault } from '../secrets/vault.js';

/** A header as registered before migration 3: `NAME:VALUE`, the value in plain text. */
export const HTTP_HEADER = 'HTTP_HEADER';
/** A header now: `NAME:<vault id>`, the value in the secret store. */
export const HTTP_HEADER_SECRET = 'HTTP_HEADER_SECRET';

/** The secret store beside the inventory's file; none for an in-memory database. */
export function vaultBeside(db: Db): SecretVault | undefined {
  return db.memory ? undefined : vaultIn(dirname(db.name));
}

/** The vault, unlocked (without asking: the caller must have unlocked a passphrase vault). */
export function unlocked(vault: SecretVault | undefined): SecretVault {
  if (!vault) {
    throw new Error(
      'HTTP header values and client keys need a secret store, and there is none here.',
    );
  }
  if (!vault.tryUnlockSync() && !vault.isUnlocked) {
    throw new VaultLockedError(
      vault.file,
      'HTTP header values and client keys need its master passphrase first.',
    );
  }
  return vault;
}

/** The secret store's id of a client certificate's private key. */
export const clientKeyId = (certificate: string) => `client-certificate-key:${certificate}`;

/** Puts a header's value into the store; returns what the inventory keeps: `NAME:<id>`. */
export function storeHeaderValue(vault: SecretVault, template: string, h: HttpHeader): string {
  const id = `http-header:${randomUUID()}`;
  vault.set(id, h.value, `HTTP header ${h.name} of ${template}`);
  return `${h.name}:${id}`;
}

/**
 * Moves header values still in plain text (registered before migration 3) into the vault, when it
 * can be opened without asking; returns how many moved. Runs where the vault is open (start-up,
 * unlocking), never in a migration: the vault is passed in. The values go into the vault first, so a
 * failure in between leaves at worst an unused vault entry, never a lost header.
 */
export function moveHeaderValuesIntoVault(db: Db, vault: SecretVault | undefined): number {
  const rows = db
    .prepare<[string], { template_id: number; seq: number; value: string; name: string }>(
      `SELECT d.template_id, d.seq, d.value, t.name FROM url_template_details d
         JOIN url_templates t ON t.id = d.template_id WHERE d.key = ?`,
    )
    .all(HTTP_HEADER);
  if (rows.length === 0 || !vault || !(vault.isUnlocked || vault.tryUnlockSync())) return 0;
  const moved = rows.map((r) => ({
    ...r,
    ref: storeHeaderValue(vault, r.name, parseHttpHeader(r.value)),
  }));
  // The old rows' bytes are zeroed, not merely freed, so no copy of a value lingers in the file.
  db.pragma('secure_delete = ON');
  const update = db.prepare(
    'UPDATE url_template_details SET key = ?, value = ? WHERE template_id = ? AND seq = ?',
  );
  db.transaction(() => {
    for (const r of moved) update.run(HTTP_HEADER_SECRET, r.ref, r.template_id, r.seq);
  })();
  return moved.length;
}

/** How many header values are kept in the store, and how many still wait in plain text. */
export function headerSecretCounts(db: Db): { stored: number; plainText: number } {
  const count = (key: string) =>
    db
      .prepare<[string], { n: number }>(
        'SELECT count(*) AS n FROM url_template_details WHERE key = ?',
      )
      .get(key)?.n ?? 0;
  return { stored: count(HTTP_HEADER_SECRET), plainText: count(HTTP_HEADER) };
}

/**
 * Unlocks the store beside `db` when templates' headers need it (or `storing` new ones), which
 * may ask the master passphrase, and moves any values still in plain text into it. For front ends
 * whose store cannot be opened without a question (convirtctl), before template commands.
 */
export async function unlockForHeaders(
  db: Db,
  storing: boolean,
  vault = vaultBeside(db),
): Promise<void> {
  const { stored, plainText } = headerSecretCounts(db);
  if (!vault || (!storing && stored + plainText === 0)) return;
  await vault.unlock();
  moveHeaderValuesIntoVault(db, vault);
}
