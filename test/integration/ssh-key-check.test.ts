/** SSH keys are checked before connecting: a passphrase-protected or non-key file gets a clear message. */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readKey } from '../../src-main/deploy/ssh-transport.js';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-sshkey-'));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));
const haveKeygen = spawnSync('ssh-keygen', ['-?'], { encoding: 'utf8' }).error === undefined;

function keygen(name: string, passphrase: string): string {
  const file = path.join(tmp, name);
  const r = spawnSync('ssh-keygen', ['-q', '-t', 'ed25519', '-N', passphrase, '-f', file], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`ssh-keygen failed: ${r.stderr}`);
  return file;
}

describe.skipIf(!haveKeygen)('SSH key check before deploy', () => {
  it('a plain key is read as it is', () => {
    const f = keygen('plain', '');
    expect(readKey(f).equals(fs.readFileSync(f))).toBe(true);
  });

  it("a passphrase-protected key is named as such, with what to do, instead of ssh2's parse error", () => {
    const f = keygen('locked', 'correct horse');
    expect(() => readKey(f)).toThrow(new RegExp(`SSH key ${f.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} is protected by a passphrase.*ssh-keygen -t ed25519 -N ''`));
    expect(() => readKey(f)).not.toThrow(/Cannot parse privateKey/);
  });

  it("with its passphrase the key is read; a wrong one names the board, not ssh2's text, and never echoes the passphrase", () => {
    const f = keygen('locked2', 'correct horse');
    expect(readKey(f, 'correct horse', 'rk3588').equals(fs.readFileSync(f))).toBe(true);
    let msg = '';
    try {
      readKey(f, 'battery staple', 'rk3588');
    } catch (e) {
      msg = (e as Error).message;
    }
    expect(msg).toMatch(/the passphrase stored for board 'rk3588' does not unlock its SSH key .*locked2/);
    expect(msg).not.toMatch(/integrity check|battery staple/);
  });

  it('a file that is not a key, or is missing, says which file', () => {
    const pub = `${keygen('k2', '')}.pub`;
    const notKey = path.join(tmp, 'notes.txt');
    fs.writeFileSync(notKey, 'hello\n');
    expect(() => readKey(notKey)).toThrow(/SSH key .*notes\.txt is not a private key ssh2 can read/);
    expect(() => readKey(path.join(tmp, 'missing'))).toThrow(/cannot read SSH key .*missing/);
    expect(() => readKey(pub)).toThrow(/SSH key .*k2\.pub is a public key; give the private key/);
  });
});
