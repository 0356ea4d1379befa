/**
 * The desktop app's SecretBox over Electron's safeStorage, without importing electron (unit
 * tested in Node with a fake). On Linux without a keyring safeStorage falls back to its
 * `basic_text` backend, which only obfuscates with a hard-coded key: secrets are then refused
 * unless the user accepts that, once per session.
 */
import type { SecretBox } from '../app/app-service.js';

/** The part of Electron's safeStorage used here. */
export interface SafeStorageLike {
  isEncryptionAvailable(): boolean;
  encryptString(plain: string): Buffer;
  decryptString(enc: Buffer): string;
  /** Linux only (Electron ≥ 23) */
  getSelectedStorageBackend?(): string;
}

export const WEAK_BACKEND_MESSAGE =
  'no OS keychain is available (Electron safeStorage uses its basic_text backend, which only obfuscates with a key built into Electron, so anyone who can read the data folder can recover the secret); ' +
  'install and unlock a keyring (GNOME Keyring or KWallet), or use an SSH key without a passphrase';

/**
 * `confirmWeak` asks the user whether to store secrets with the obfuscating backend anyway
 * (a dialog in the app); its answer holds for the session.
 */
export function createSecretBox(ss: SafeStorageLike, platform: NodeJS.Platform, confirmWeak: (why: string) => boolean): SecretBox | undefined {
  if (!ss.isEncryptionAvailable()) return undefined;
  const weak = platform === 'linux' && ss.getSelectedStorageBackend?.() === 'basic_text';
  let accepted = false;
  return {
    encrypt(plain) {
      if (weak && !accepted) {
        accepted = confirmWeak(WEAK_BACKEND_MESSAGE);
        if (!accepted) throw new Error(WEAK_BACKEND_MESSAGE);
      }
      return ss.encryptString(plain);
    },
    decrypt: (enc) => ss.decryptString(enc),
  };
}
