/** The record shared by qmaxpool and qavgpool: window geometry, count_include_pad, scales. */
import { poolGeometry } from '../../engine/int-pool.js';
import type { Node } from '../../graph/ir.js';
import type { EqmPoolGeom } from '../eqm-model.js';
import { numel } from './common.js';
import type { DecodeCtx, EncodeCtx } from './types.js';

const FIELDS = ['N', 'C', 'H', 'W', 'OH', 'OW', 'kh', 'kw', 'sh', 'sw', 'dh', 'dw', 'pt', 'pl', 'pb', 'pr'] as const;

export function encodePool(
  c: EncodeCtx,
  code: number,
  op: { node: Node; input: string; output: string },
  outDims: readonly number[] | undefined,
  scales: { in: number; out: number } | undefined,
): void {
  const i = c.use(op.input, 'int8');
  const inT = c.tensor(i);
  const o = c.define(op.output, 'int8', outDims, c.int8Scale(op.output, scales ? scales.out : inT.scale));
  const g = poolGeometry(op.node, c.graph.opset, inT.dims);
  if (inT.dims.length !== 4) c.fail(`pool '${op.node.name}': input must be 4-D, got [${inT.dims.join(',')}]`);
  if (g.N * g.C * g.OH * g.OW !== numel(c.tensor(o).dims)) c.fail(`pool '${op.node.name}': output [${c.tensor(o).dims.join(',')}] does not match the window geometry`);
  c.head(code, op.node.name);
  c.w.u32(i);
  c.w.u32(o);
  for (const f of FIELDS) c.geomU32(`pool '${op.node.name}' ${f}`, g[f]);
  c.w.u8(g.countIncludePad ? 1 : 0);
  c.w.u8(0);
  c.w.u8(0);
  c.w.u8(0);
  if (scales) {
    c.checkMult(`pool '${op.node.name}' input scale`, scales.in);
    c.checkMult(`pool '${op.node.name}' output scale`, scales.out);
  }
  c.w.f32(scales ? scales.in : 0);
  c.w.f32(scales ? scales.out : 0);
}

export function decodePool(c: DecodeCtx, what: string, avg: boolean): { input: number; output: number; geom: EqmPoolGeom; inScale: number; outScale: number } {
  const r = c.r;
  const input = c.ref(`${what} input`, 'int8');
  const output = c.ref(`${what} output`, 'int8');
  const g = {} as EqmPoolGeom;
  for (const f of FIELDS) g[f] = c.u32Geom(`${what} ${f}`);
  g.countIncludePad = r.u8('count_include_pad') === 1;
  r.skip(3, 'reserved');
  const inScale = r.f32('in scale');
  const outScale = r.f32('out scale');
  if (g.kh < 1 || g.kw < 1 || g.sh < 1 || g.sw < 1 || g.dh < 1 || g.dw < 1) c.bad(`${what}: invalid window`);
  if (c.numel(input) !== g.N * g.C * g.H * g.W || c.numel(output) !== g.N * g.C * g.OH * g.OW) c.bad(`${what}: tensor sizes do not match the pool geometry`);
  if (avg && !(inScale > 0 && outScale > 0 && Number.isFinite(inScale) && Number.isFinite(outScale))) c.bad(`${what}: invalid scales`);
  c.use(input, what);
  c.produce(output, what);
  return { input, output, geom: g, inScale, outScale };
}
