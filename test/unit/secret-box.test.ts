/**
 * The desktop SecretBox over a fake safeStorage: Linux's obfuscating `basic_text` backend is
 * refused unless the user accepts it, and a stored secret is only usable where it can be
 * decrypted (web mode says so instead of connecting without it).
 */
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { AppService } from '../../src-main/app/app-service.js';
import { createSecretBox, type SafeStorageLike } from '../../src-main/electron/secret-box.js';

function fakeSafeStorage(backend: string): SafeStorageLike & { encrypted: number } {
  return {
    encrypted: 0,
    isEncryptionAvailable: () => true,
    encryptString(plain) {
      this.encrypted++;
      return Buffer.from(plain, 'utf8').reverse();
    },
    decryptString: (enc) => Buffer.from(enc).reverse().toString('utf8'),
    getSelectedStorageBackend: () => backend,
  };
}

const roots: string[] = [];
const tmp = () => {
  const r = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-secretbox-'));
  roots.push(r);
  return r;
};
afterAll(() => {
  for (const r of roots) fs.rmSync(r, { recursive: true, force: true });
});

describe('desktop SecretBox', () => {
  it('a keychain backend encrypts and decrypts without asking', () => {
    const ss = fakeSafeStorage('gnome_libsecret');
    const box = createSecretBox(ss, 'linux', () => {
      throw new Error('must not ask');
    })!;
    expect(box.decrypt(box.encrypt('s3cret'))).toBe('s3cret');
  });

  it('Linux basic_text is refused with a clear message unless the user accepts, once per session', () => {
    const ss = fakeSafeStorage('basic_text');
    const asked: string[] = [];
    let answer = false;
    const box = createSecretBox(ss, 'linux', (why) => (asked.push(why), answer))!;
    expect(() => box.encrypt('s3cret')).toThrow(/basic_text backend, which only obfuscates/);
    expect(ss.encrypted).toBe(0);
    answer = true;
    expect(box.decrypt(box.encrypt('s3cret'))).toBe('s3cret');
    box.encrypt('another');
    expect(asked).toHaveLength(2); // accepted once: not asked again
  });

  it('no encryption at all: no box (secrets refused as in web mode)', () => {
    expect(createSecretBox({ ...fakeSafeStorage('basic_text'), isEncryptionAvailable: () => false }, 'linux', () => true)).toBeUndefined();
  });

  it('the app names the board when the box refuses, and stores nothing', async () => {
    const root = tmp();
    const svc = new AppService({ dataRoot: root, mode: 'desktop', secrets: createSecretBox(fakeSafeStorage('basic_text'), 'linux', () => false) });
    try {
      expect(() => svc.addDevice('rk3588', { transport: 'ssh', host: 'b', port: 22, user: 'u' }, 'pw')).toThrow(
        /password or passphrase of board 'rk3588' was not stored: no OS keychain/,
      );
      expect(svc.listDevices()).toEqual([]);
    } finally {
      await svc.close();
    }
  });

  it('a secret stored by the desktop app cannot be used in web mode: a clear message, not a login without it', async () => {
    const root = tmp();
    const desk = new AppService({ dataRoot: root, mode: 'desktop', secrets: createSecretBox(fakeSafeStorage('kwallet5'), 'linux', () => true) });
    // something listening, so the reachability check passes and the secret is needed
    const server = net.createServer((c) => c.end('SSH-2.0-OpenSSH_9.6\r\n'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as net.AddressInfo).port;
    const id = desk.addDevice('pi', { transport: 'ssh', host: '127.0.0.1', port, user: 'u' }, 'pw').id;
    await desk.close();
    const web = new AppService({ dataRoot: root, mode: 'web' });
    try {
      const r = await web.testDevice(id);
      expect(r.ok).toBe(false);
      expect(r.message).toMatch(/board 'pi' has a password or passphrase stored by the desktop app, which only the desktop app can decrypt/);
    } finally {
      await web.close();
      server.close();
    }
  });
});
