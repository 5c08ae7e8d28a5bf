// The data key wrapped by Electron's safeStorage (the OS keychain: Keychain on macOS, DPAPI on
// Windows, the Secret Service or KWallet on Linux). The object is injected by
// app/main/electron/, the only folder that may import electron.
import { VaultError, type KeyProtection, type WrappedKey } from './vault.js';

/** The part of Electron's safeStorage the vault uses. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plainText: string): Buffer;
  decryptString(encrypted: Buffer): string;
  /** Linux only: 'basic_text' means a hard-coded key, i.e. no protection at all. */
  getSelectedStorageBackend?(): string;
}

/**
 * Why safeStorage cannot protect secrets here, or undefined when it can. On Linux without a
 * keyring Electron falls back to 'basic_text', a fixed key: refused rather than pretended.
 */
export function safeStorageRefusal(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
): string | undefined {
  if (!safeStorage.isEncryptionAvailable())
    return 'the operating system offers no encryption to Electron (safeStorage).';
  if (platform === 'linux') {
    const backend = safeStorage.getSelectedStorageBackend?.() ?? 'unknown';
    if (backend === 'basic_text' || backend === 'unknown') {
      return `no keyring is available (safeStorage backend: ${backend}), so safeStorage would use a fixed key.`;
    }
  }
  return undefined;
}

export function safeStorageProtection(
  safeStorage: SafeStorageLike,
  platform: NodeJS.Platform,
): KeyProtection {
  const usable = () => {
    const refusal = safeStorageRefusal(safeStorage, platform);
    if (refusal) throw new VaultError(`ConVirt's secret store cannot use safeStorage: ${refusal}`);
  };
  const wrapSync = (dataKey: Buffer): WrappedKey => {
    usable();
    const wrapped = safeStorage.encryptString(dataKey.toString('base64')).toString('base64');
    return { kind: 'safeStorage', params: {}, wrapped };
  };
  const unwrapSync = (stored: WrappedKey): Buffer => {
    usable();
    let key: Buffer;
    try {
      key = Buffer.from(safeStorage.decryptString(Buffer.from(stored.wrapped, 'base64')), 'base64');
    } catch {
      throw new VaultError(
        "The keychain could not unwrap the secret store's key (another user, or the keychain's key changed).",
      );
    }
    if (key.length !== 32) throw new VaultError("The secret store's key is damaged.");
    return key;
  };
  return {
    kind: 'safeStorage',
    wrapSync,
    unwrapSync,
    wrap: (dataKey) => Promise.resolve().then(() => wrapSync(dataKey)),
    unwrap: (stored) => Promise.resolve().then(() => unwrapSync(stored)),
  };
}
