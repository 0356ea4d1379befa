/** `easyquant devices add|list|probe|remove|forget-key`: the board registry (src-main/deploy). */
import type { Command } from 'commander';
import { KnownHosts } from '../../deploy/known-hosts.js';
import { probe } from '../../deploy/operations.js';
import type { Device, DeviceInput } from '../../contract/device.js';
import { DeviceRegistry } from '../../app/device-registry.js';
import { DeviceSession } from '../../deploy/session.js';
import { int } from '../parse.js';
import path from 'node:path';

/** user@host[:port] */
export function parseSshTarget(v: string, what: string): { user: string; host: string; port: number } {
  const m = /^([^@\s]+)@([^:\s]+)(?::(\d+))?$/.exec(v);
  if (!m) throw new Error(`${what}: expected user@host[:port], got '${v}'`);
  return { user: m[1]!, host: m[2]!, port: m[3] ? Number(m[3]) : 22 };
}

function describe(d: Device): string {
  const where = d.transport === 'ssh' ? `ssh ${d.user}@${d.host}:${d.port}${d.jump ? ` via ${d.jump.user}@${d.jump.host}:${d.jump.port}` : ''}` : `serial ${d.path} @ ${d.baud}`;
  const p = d.probe ? ` ${d.probe.machine}${d.probe.info?.isa ? ` (${String(d.probe.info.isa)}, ${String(d.probe.info.cores)} cores)` : ''}` : ' (not probed)';
  return `${d.name.padEnd(16)} ${where}${p}`;
}

export function registerDevices(program: Command): void {
  const devices = program.command('devices').description('boards to deploy to (shared with the app: the devices of $EQ_DATA_DIR, default ~/.easyquant-studio)');

  devices
    .command('add <name>')
    .description('add a board reached over SSH (--ssh user@host[:port] --key FILE) or serial (--serial DEV)')
    .option('--ssh <target>', 'user@host[:port]')
    .option('--key <file>', 'SSH private key')
    .option('--jump <target>', 'jump host user@host[:port] (uses --jump-key, default --key)')
    .option('--jump-key <file>', 'SSH private key for the jump host')
    .option('--serial <device>', 'serial device, e.g. /dev/ttyUSB0')
    .option('--baud <n>', 'serial baud rate', int('--baud'), 115200)
    .option('--dir <dir>', 'folder on the board for the runner and models', '.easyquant')
    .option('--timeout <ms>', 'connect timeout in ms', int('--timeout'), 10_000)
    .option('--replace', 'replace a device of the same name')
    .option('--json', 'print the device as JSON')
    .action(
      (
        name: string,
        o: { ssh?: string; key?: string; jump?: string; jumpKey?: string; serial?: string; baud: number; dir: string; timeout: number; replace?: boolean; json?: boolean },
      ) => {
        if (!!o.ssh === !!o.serial) throw new Error('give exactly one of --ssh user@host[:port] or --serial DEVICE');
        let input: DeviceInput;
        if (o.ssh) {
          if (!o.key) throw new Error('--ssh needs --key (path of the private key)');
          const t = parseSshTarget(o.ssh, '--ssh');
          const jump = o.jump ? { ...parseSshTarget(o.jump, '--jump'), keyPath: path.resolve(o.jumpKey ?? o.key) } : undefined;
          input = { transport: 'ssh', name, ...t, keyPath: path.resolve(o.key), jump, dir: o.dir, timeoutMs: o.timeout };
        } else {
          input = { transport: 'serial', name, path: o.serial!, baud: o.baud, dir: o.dir, timeoutMs: o.timeout };
        }
        const d = new DeviceRegistry().add(input, o.replace);
        if (o.json) process.stdout.write(`${JSON.stringify(d)}\n`);
        else process.stdout.write(`added ${describe(d)}\n`);
      },
    );

  devices
    .command('list')
    .description('list the registered boards')
    .option('--json', 'print one JSON object on stdout')
    .action((o: { json?: boolean }) => {
      const reg = new DeviceRegistry();
      const list = reg.list();
      if (o.json) process.stdout.write(`${JSON.stringify({ devices: list, unusable: reg.unusable })}\n`);
      else if (!list.length && !reg.unusable.length) process.stdout.write("no devices (add one with 'easyquant devices add')\n");
      else {
        for (const d of list) process.stdout.write(`${describe(d)}\n`);
        for (const u of reg.unusable) process.stdout.write(`${u.name.padEnd(16)} (not usable from the CLI: ${u.reason})\n`);
      }
    });

  devices
    .command('probe <name>')
    .description('connect, run uname -m and (once the runner is on the board) eqrun info; store the result')
    .option('--timeout <ms>', 'connect timeout in ms (default: the device setting)', int('--timeout'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (name: string, o: { timeout?: number; json?: boolean }) => {
      const reg = new DeviceRegistry();
      const d = reg.get(name);
      const s = await DeviceSession.open(d, {
        home: reg.home,
        timeoutMs: o.timeout,
        onNewHostKey: (h, fp) => process.stderr.write(`trusting new host key of ${h}: ${fp} (recorded in ${path.join(reg.home, 'known_hosts')})\n`),
      });
      try {
        const p = await probe(s);
        reg.setProbe(name, p);
        if (o.json) process.stdout.write(`${JSON.stringify({ device: name, ...p })}\n`);
        else process.stdout.write(`${name}: ${p.machine}${p.info ? ` ${JSON.stringify(p.info)}` : " (runner not deployed yet: 'easyquant deploy' pushes it)"}\n`);
      } finally {
        await s.close();
      }
    });

  devices
    .command('remove <name>')
    .description('remove a board from the registry')
    .action((name: string) => {
      new DeviceRegistry().remove(name);
      process.stdout.write(`removed ${name}\n`);
    });

  devices
    .command('forget-key <name>')
    .description("forget an SSH board's recorded host key (after a legitimate re-install)")
    .action((name: string) => {
      const reg = new DeviceRegistry();
      const d = reg.get(name);
      if (d.transport !== 'ssh') throw new Error(`${name} is a serial device: it has no host key`);
      new KnownHosts(path.join(reg.home, 'known_hosts')).remove(d.host, d.port);
      process.stdout.write(`forgot the host key of ${d.host}:${d.port}\n`);
    });
}
