/**
 * Host-key check for SSH devices: trust on first use, refuse a changed key.
 * File format, one line per host: `[host]:port key-type base64-key` (like OpenSSH's
 * known_hosts, unhashed). The first connection records the key and reports its fingerprint;
 * a later connection with another key is refused with both fingerprints in the message.
 */
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

export function fingerprint(key: Buffer): string {
  return `SHA256:${crypto.createHash('sha256').update(key).digest('base64').replace(/=+$/, '')}`;
}

/** The key type string at the start of an SSH public key blob (e.g. ssh-ed25519). */
export function keyType(key: Buffer): string {
  if (key.length < 4) return 'unknown';
  const n = key.readUInt32BE(0);
  return n > 0 && n < 64 && key.length >= 4 + n ? key.subarray(4, 4 + n).toString('latin1') : 'unknown';
}

export function hostId(host: string, port: number): string {
  return port === 22 ? host : `[${host}]:${port}`;
}

export type HostKeyResult = { status: 'known'; fingerprint: string } | { status: 'new'; fingerprint: string } | { status: 'changed'; fingerprint: string; expected: string };

export class KnownHosts {
  constructor(readonly file: string) {}

  private read(): Map<string, Buffer> {
    const m = new Map<string, Buffer>();
    if (!fs.existsSync(this.file)) return m;
    for (const line of fs.readFileSync(this.file, 'utf8').split('\n')) {
      const t = line.trim();
      if (!t || t.startsWith('#')) continue;
      const [id, , b64] = t.split(/\s+/);
      if (id && b64) m.set(id, Buffer.from(b64, 'base64'));
    }
    return m;
  }

  /** Checks `key` for host:port; records it when the host is new (trust on first use). */
  check(host: string, port: number, key: Buffer): HostKeyResult {
    const id = hostId(host, port);
    const known = this.read().get(id);
    const fp = fingerprint(key);
    if (known) return known.equals(key) ? { status: 'known', fingerprint: fp } : { status: 'changed', fingerprint: fp, expected: fingerprint(known) };
    fs.mkdirSync(path.dirname(this.file), { recursive: true });
    fs.appendFileSync(this.file, `${id} ${keyType(key)} ${key.toString('base64')}\n`, { mode: 0o600 });
    return { status: 'new', fingerprint: fp };
  }

  /** Forgets a host (after the user confirmed a legitimate key change). */
  remove(host: string, port: number): void {
    if (!fs.existsSync(this.file)) return;
    const id = hostId(host, port);
    const kept = fs
      .readFileSync(this.file, 'utf8')
      .split('\n')
      .filter((l) => l.trim() && l.trim().split(/\s+/)[0] !== id);
    fs.writeFileSync(this.file, kept.length ? `${kept.join('\n')}\n` : '', { mode: 0o600 });
  }
}
