/** `easyquant deploy --device NAME --model M --scales S`: push the runner, the EQM model and the scale table. */
import type { Command } from 'commander';
import path from 'node:path';
import { deployModel } from '../../deploy/operations.js';
import { compileVariant } from '../../deploy/prepare.js';
import { DeviceRegistry } from '../../app/device-registry.js';
import { DeviceSession } from '../../deploy/session.js';
import { int } from '../parse.js';

export function registerDeploy(program: Command): void {
  program
    .command('deploy')
    .description('push the runner, the compiled model and its scale table to a board (sha256-verified, atomic, cached)')
    .requiredOption('--device <name>', 'registered device')
    .requiredOption('--model <file>', 'ONNX model (compiled with --scales) or a compiled .eqm')
    .option('--scales <file>', 'scales.json (needed with an ONNX model)')
    .option('--card <file>', 'model card (card.json) for the input shape')
    .option('--timeout <ms>', 'connect timeout in ms (default: the device setting)', int('--timeout'))
    .option('--json', 'print one JSON object on stdout')
    .action(async (o: { device: string; model: string; scales?: string; card?: string; timeout?: number; json?: boolean }) => {
      if (!o.model.endsWith('.eqm') && !o.scales) throw new Error('--scales is needed to compile an ONNX model (or give a compiled .eqm)');
      const reg = new DeviceRegistry();
      const d = reg.get(o.device);
      const v = compileVariant({ model: o.model, card: o.card, scales: o.scales ?? 'fp32' });
      const s = await DeviceSession.open(d, {
        home: reg.home,
        timeoutMs: o.timeout,
        onNewHostKey: (h, fp) => process.stderr.write(`trusting new host key of ${h}: ${fp} (recorded in ${path.join(reg.home, 'known_hosts')})\n`),
        log: (m) => process.stderr.write(`${m}\n`),
      });
      try {
        const r = await deployModel(s, { eqm: v.eqm, scales: v.scales });
        if (o.json) process.stdout.write(`${JSON.stringify({ device: d.name, ...r })}\n`);
        else
          for (const [what, p] of Object.entries({ runner: r.runner, model: r.model, scales: r.scales }))
            if (p)
              process.stdout.write(
                `${what.padEnd(7)} ${p.remote}  ${p.cached ? 'unchanged (cached)' : `sent ${p.sent} of ${p.bytes} bytes${p.resumes.length ? `, resumed ${p.resumes.length}x` : ''}`}  sha256 ${p.sha256.slice(0, 16)}\n`,
              );
      } finally {
        await s.close();
      }
    });
}
