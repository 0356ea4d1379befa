/** The input quantization of a compiled EQM, read back from the file (tests; production takes it from compileEqmModel). */
import { readEqm } from './read-eqm.js';

/**
 * The scale and qmax of the Quantize op(s) reading the model input, or null when the input is
 * read by anything else (then only a float32 batch is exact). Tests check
 * compileEqmModel's answer against the file with it.
 */
export function inputQuantization(eqm: Uint8Array): { scale: number; qmax: number } | null {
  // a private, 0-offset copy: readEqm makes typed-array views of the bytes (and may modify them)
  const m = readEqm(Uint8Array.from(eqm));
  let scale: number | null = null;
  for (const op of m.ops) {
    const inputs = 'inputs' in op ? op.inputs : 'input' in op ? [op.input] : 'a' in op ? [op.a, op.b] : [];
    if (!inputs.includes(m.input)) continue;
    if (op.kind !== 'quantize') return null;
    if (scale !== null && scale !== op.scale) return null;
    scale = op.scale;
  }
  return scale === null ? null : { scale, qmax: m.qmax };
}
