/**
 * Connection test used when no deploy module is available: is the SSH port open and does it
 * speak SSH, or does the serial device path exist? Gives a specific, human-readable reason.
 * (Authentication, probing and deployment belong to src-main/deploy.)
 */
import fs from 'node:fs';
import net from 'node:net';
import type { DeviceConfig } from '../contract/app-types.js';

export interface ReachabilityResult {
  ok: boolean;
  message: string;
  banner?: string;
}

export function checkSshReachable(host: string, port: number, timeoutMs = 4000): Promise<ReachabilityResult> {
  return new Promise((resolve) => {
    const sock = net.connect({ host, port });
    let done = false;
    const finish = (r: ReachabilityResult) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      resolve(r);
    };
    const timer = setTimeout(
      () => finish({ ok: false, message: `${host}:${port} did not answer within ${timeoutMs / 1000} s (device off, wrong address, or a firewall)` }),
      timeoutMs,
    );
    let buf = '';
    sock.on('data', (d) => {
      buf += d.toString('latin1');
      const nl = buf.indexOf('\n');
      if (nl >= 0 || buf.length > 255) {
        const line = buf.slice(0, nl >= 0 ? nl : 255).trim();
        if (line.startsWith('SSH-')) finish({ ok: true, message: `${host}:${port} is reachable and speaks SSH (${line})`, banner: line });
        else finish({ ok: false, message: `${host}:${port} answered, but it is not an SSH server (got '${line.slice(0, 40)}')` });
      }
    });
    sock.on('error', (e: NodeJS.ErrnoException) => {
      const why =
        e.code === 'ECONNREFUSED'
          ? `connection refused by ${host}:${port} (no SSH server listening on that port)`
          : e.code === 'EHOSTUNREACH' || e.code === 'ENETUNREACH'
            ? `${host} is unreachable from this machine`
            : e.code === 'ENOTFOUND'
              ? `host name '${host}' not found`
              : `cannot connect to ${host}:${port}: ${e.message}`;
      finish({ ok: false, message: why });
    });
    sock.on('end', () => finish({ ok: false, message: `${host}:${port} closed the connection without an SSH greeting` }));
  });
}

export async function checkReachable(c: DeviceConfig): Promise<ReachabilityResult> {
  if (c.transport === 'ssh') return checkSshReachable(c.host, c.port);
  if (!fs.existsSync(c.path)) return { ok: false, message: `serial port ${c.path} does not exist (is the board plugged in?)` };
  return { ok: true, message: `serial port ${c.path} exists` };
}
