/** The native runtime against the TypeScript integer reference on every ISA level this host runs. */
import { expect } from 'vitest';
import { compileIntProgram } from '../../src-main/core/eqm/write-eqm.js';
import { Runtime } from '../../src-main/engines/native/native-runtime.js';
import { firstBitDifference, runReference, type QuantizedModel } from './native-models.js';

/**
 * Compiles q to EQM and expects every output of every input bit for bit equal to the reference on
 * every available ISA level (scalar included), one thread. note(k, x, d) adds context to a mismatch.
 */
export function expectSameOnEveryIsa(q: QuantizedModel, inputs: Float32Array[], dims: number[], note?: (output: string, x: Float32Array, at: number) => string): void {
  const eqm = compileIntProgram(q.graph, q.prog);
  const isas = Runtime.version().availableIsas.split(',');
  expect(isas).toContain('scalar');
  const refs = inputs.map((x) => runReference(q, x, dims));
  for (const isa of isas) {
    const session = Runtime.load(eqm, { threads: 1, isa });
    inputs.forEach((x, i) => {
      const nat = session.run(x, dims);
      refs[i]!.outputs.forEach((a, k) => {
        const d = firstBitDifference(a as Float32Array, nat[k]!);
        const name = q.prog.outputs[k]!;
        expect(d, `${isa}: output ${name} differs at ${d}: ${a[d]} vs ${nat[k]![d]}${note && d >= 0 ? note(name, x, d) : ''}`).toBe(-1);
      });
    });
  }
}
