// The desktop app's secret store key goes to the OS keychain through Electron's safeStorage.
// main.ts passes electron's safeStorage in (kept as a parameter so the choice is testable with a
// fake); where safeStorage would not really protect anything (no keyring on Linux: the
// 'basic_text' backend), the app falls back to a master passphrase, and says why.
import {
  safeStorageProtection,
  safeStorageRefusal,
  type SafeStorageLike,
} from '../secrets/safe-storage-protection.js';
import type { KeyProtection } from '../secrets/vault.js';

export interface DesktopVaultProtection {
  /** undefined: use the master passphrase (openConvirt's default). */
  protection: KeyProtection | undefined;
  /** Why safeStorage is not used, to tell the operator. */
  refusal?: string;
}

/** Call after app 'ready': before it, safeStorage cannot tell which keyring it has. */
export function desktopVaultProtection(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
): DesktopVaultProtection {
  const refusal = safeStorageRefusal(safeStorage, platform);
  if (refusal) return { protection: undefined, refusal };
  return { protection: safeStorageProtection(safeStorage, platform) };
}
