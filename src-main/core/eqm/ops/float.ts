/**
 * float: an FP32 fallback node kept as its ONNX op type, domain, fused activation, tensors and
 * attributes. The integer reference runs it with the FP32 interpreter; the native runtime with
 * its fallback kernels (native/src/fallback).
 */
import { runNodeFp32 } from '../../engine/interpreter.js';
import type { AttrValue, Node } from '../../graph/ir.js';
import type { EqmAttr } from '../eqm-model.js';
import { ActKind, AttrType, EQM_LIMITS, type EqmDType } from '../format.js';
import type { EncodeCtx, IntOpDef } from './types.js';

/** Outputs of FP32 fallback nodes that are not float32. */
function outputDType(node: Node, k: number): EqmDType {
  if (node.op === 'Shape' || node.op === 'NonZero' || node.op === 'ArgMax' || node.op === 'ArgMin') return 'int64';
  if ((node.op === 'MaxPool' || node.op === 'TopK') && k === 1) return 'int64';
  if (node.op === 'Cast') {
    // FLOAT, FLOAT16 and DOUBLE are float32 in the executor (ops/cast.ts), by code or (opset < 6) name
    const to = node.attrs['to'];
    const name = typeof to === 'string' ? to.toUpperCase() : '';
    if (to === 1 || to === 10 || to === 11 || name === 'FLOAT' || name === 'FLOAT16' || name === 'DOUBLE') return 'float32';
    return to === 3 || name === 'INT8' ? 'int8' : 'int64';
  }
  return 'float32';
}

function encodeAttr(c: EncodeCtx, node: Node, name: string, v: AttrValue): void {
  const w = c.w;
  c.str(name);
  if (typeof v === 'number') {
    w.u8(AttrType.number);
    w.f64(v);
  } else if (typeof v === 'string') {
    w.u8(AttrType.string);
    c.str(v);
  } else if (Array.isArray(v) && v.every((x) => typeof x === 'number')) {
    if (v.length > EQM_LIMITS.maxListLength) c.fail(`node '${node.name}': attribute ${name} is too long`);
    w.u8(AttrType.numbers);
    w.u32(v.length);
    for (const x of v as number[]) w.f64(x);
  } else if (Array.isArray(v) && v.every((x) => typeof x === 'string')) {
    if (v.length > EQM_LIMITS.maxListLength) c.fail(`node '${node.name}': attribute ${name} is too long`);
    w.u8(AttrType.strings);
    w.u32(v.length);
    for (const x of v as string[]) c.str(x);
  } else {
    c.fail(`node '${node.name}' (${node.op}): attribute ${name} is a tensor, which EQM v1 does not store`);
  }
}

export const floatOp: IntOpDef<'float'> = {
  kind: 'float',
  code: 11,
  encode(op, c) {
    const node = op.node;
    const w = c.w;
    const ins = op.inputs.map((n) => (n ? c.use(n) : -1));
    const outs = node.outputs.map((n, k) => (n ? c.define(n, outputDType(node, k), c.graph.shapes.get(n)) : -1));
    c.head(this.code, node.name);
    c.str(node.op);
    c.str(node.domain ?? '');
    const act = node.act;
    w.u8(act ? (act.kind === 'relu' ? ActKind.relu : ActKind.clip) : ActKind.none);
    w.u8(0);
    w.u8(0);
    w.u8(0);
    w.f64(act ? (act.kind === 'relu' ? 0 : act.min) : 0);
    w.f64(act ? (act.kind === 'relu' ? Infinity : act.max) : 0);
    w.u32(ins.length);
    for (const i of ins) w.i32(i);
    w.u32(outs.length);
    for (const o of outs) w.i32(o);
    const attrs = Object.entries(node.attrs);
    w.u32(attrs.length);
    for (const [name, v] of attrs) encodeAttr(c, node, name, v);
  },
  decode(c, name, what) {
    const r = c.r;
    const opType = c.str(`${what} op type`);
    const domain = c.str(`${what} domain`);
    const actKind = r.u8('act kind');
    r.skip(3, 'reserved');
    const amin = r.f64('act min');
    const amax = r.f64('act max');
    if (actKind > ActKind.clip) c.bad(`${what}: unknown activation ${actKind}`);
    const nIn = c.count(`${what} input count`, EQM_LIMITS.maxListLength, 4);
    const inputs: number[] = [];
    for (let i = 0; i < nIn; i++) {
      const v = r.i32('input');
      if (v !== -1 && (v < 0 || v >= c.tensors.length)) c.bad(`${what}: input index ${v} out of range`);
      if (v >= 0) c.use(v, what);
      inputs.push(v);
    }
    const nOut = c.count(`${what} output count`, EQM_LIMITS.maxListLength, 4);
    const outputs: number[] = [];
    for (let i = 0; i < nOut; i++) {
      const v = r.i32('output');
      if (v !== -1 && (v < 0 || v >= c.tensors.length)) c.bad(`${what}: output index ${v} out of range`);
      outputs.push(v);
    }
    for (const v of outputs) if (v >= 0) c.produce(v, what);
    const nAttr = c.count(`${what} attribute count`, EQM_LIMITS.maxListLength, 9);
    const attrs: Record<string, EqmAttr> = {};
    for (let i = 0; i < nAttr; i++) {
      const an = c.str(`${what} attribute name`);
      const at = r.u8('attribute type');
      if (at === AttrType.number) attrs[an] = r.f64('attribute value');
      else if (at === AttrType.string) attrs[an] = c.str('attribute value');
      else if (at === AttrType.numbers) {
        const n = c.count('attribute length', EQM_LIMITS.maxListLength, 8);
        attrs[an] = Array.from({ length: n }, () => r.f64('attribute value'));
      } else if (at === AttrType.strings) {
        const n = c.count('attribute length', EQM_LIMITS.maxListLength, 8);
        attrs[an] = Array.from({ length: n }, () => c.str('attribute value'));
      } else c.bad(`${what}: attribute ${an} has unknown type ${at}`);
    }
    const act = actKind === ActKind.none ? undefined : { kind: actKind === ActKind.relu ? ('relu' as const) : ('clip' as const), min: amin, max: amax };
    return { kind: 'float', name, opType, domain, act, inputs, outputs, attrs };
  },
  run(op, c) {
    const outs = runNodeFp32(
      c.graph,
      op.node,
      op.inputs.map((n) => c.getF(n)),
    );
    op.node.outputs.forEach((o, k) => o && outs[k] && c.setF(o, outs[k]!));
  },
};
