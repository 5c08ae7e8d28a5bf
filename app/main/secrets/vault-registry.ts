// One SecretVault per vault file in a process, so every part of the app (SSH secrets, template
// records, the inventory's migrations) sees the same unlocked state and never writes over another
// instance's changes. The front end decides once, at start, how the data key is protected.
import { resolve } from 'node:path';
import { passphraseProtection } from './passphrase-protection.js';
import { SecretVault, type KeyProtection } from './vault.js';

const vaults = new Map<string, SecretVault>();

/** Nobody to ask: a passphrase vault that stays locked until a front end configures it. */
const unconfigured = passphraseProtection(() => Promise.resolve(undefined));

/** Sets how the vault in `dataDir` is protected in this process, and returns it. */
export function configureVault(dataDir: string, protection: KeyProtection): SecretVault {
  const vault = new SecretVault(resolve(dataDir), protection);
  vaults.set(resolve(dataDir), vault);
  return vault;
}

/** The vault of the data folder, as configured (or locked, with nobody to ask, if not). */
export function vaultIn(dataDir: string): SecretVault {
  const known = vaults.get(resolve(dataDir));
  if (known) return known;
  return configureVault(dataDir, unconfigured);
}
