// The data key wrapped under a master passphrase (scrypt, then AES-256-GCM): for convirtctl and
// browser mode, where Electron's safeStorage is absent. The passphrase is asked when the vault is
// first unlocked in a process and kept nowhere but in the derived data key in memory.
import { randomBytes, scrypt } from 'node:crypto';
import { seal, unseal, VaultError, type KeyProtection, type WrappedKey } from './vault.js';

/** 'create' when the vault is new (the operator chooses the passphrase), else 'unlock'. */
export type MasterPassphrasePurpose = 'create' | 'unlock';

/** Asks the operator; undefined when nobody can answer or they cancelled. */
export type AskMasterPassphrase = (purpose: MasterPassphrasePurpose) => Promise<string | undefined>;

// scrypt's cost: 2^15 x 8 x 128 bytes = 32 MiB and about 0.1 s, once per process.
const COST = { N: 2 ** 15, r: 8, p: 1 };

function derive(passphrase: string, salt: Buffer, cost: typeof COST): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase, salt, 32, { ...cost, maxmem: 256 * cost.N * cost.r }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

export function passphraseProtection(ask: AskMasterPassphrase): KeyProtection {
  const asked = async (purpose: MasterPassphrasePurpose) => {
    const passphrase = await ask(purpose);
    if (passphrase === undefined) {
      throw new VaultError(
        purpose === 'create'
          ? 'No master passphrase was given, so ConVirt cannot create its secret store.'
          : "No master passphrase was given, so ConVirt's secret store stays locked.",
      );
    }
    if (passphrase.length === 0) throw new VaultError('The master passphrase cannot be empty.');
    return passphrase;
  };
  return {
    kind: 'passphrase',
    async wrap(dataKey: Buffer): Promise<WrappedKey> {
      const passphrase = await asked('create');
      const salt = randomBytes(16);
      const sealed = seal(await derive(passphrase, salt, COST), dataKey);
      return {
        kind: 'passphrase',
        params: { kdf: 'scrypt', salt: salt.toString('base64'), ...COST },
        wrapped: Buffer.concat([sealed.iv, sealed.tag, sealed.data]).toString('base64'),
      };
    },
    async unwrap(stored: WrappedKey): Promise<Buffer> {
      const { salt, N, r, p } = stored.params;
      if (
        typeof salt !== 'string' ||
        typeof N !== 'number' ||
        typeof r !== 'number' ||
        typeof p !== 'number'
      ) {
        throw new VaultError("The secret store's key parameters are damaged.");
      }
      const passphrase = await asked('unlock');
      const kek = await derive(passphrase, Buffer.from(salt, 'base64'), { N, r, p });
      const blob = Buffer.from(stored.wrapped, 'base64');
      const key = unseal(kek, {
        iv: blob.subarray(0, 12),
        tag: blob.subarray(12, 28),
        data: blob.subarray(28),
      });
      if (!key) {
        throw new VaultError(
          "Wrong master passphrase: ConVirt's secret store was not unlocked (or its key is damaged).",
        );
      }
      return key;
    },
  };
}
