/**
 * Builds small .tflite models in tests with the official flatbuffers Builder, following the
 * TFLite schema (field indices from src-main/core/tflite/schema.ts, union type = 1-based
 * position in the schema's BuiltinOptions union).
 */
import { Builder } from 'flatbuffers';
import { BUILTIN_NAMES, F, TensorType } from '../../src-main/core/tflite/schema.js';

/** BuiltinOptions union types used by the tests. */
export const OptType = {
  Conv2D: 1,
  DepthwiseConv2D: 2,
  Pool2D: 5,
  FullyConnected: 8,
  Softmax: 9,
  Concatenation: 10,
  Add: 11,
  ResizeBilinear: 15,
  Reshape: 17,
  Mul: 21,
  Pad: 22,
  Reducer: 27,
  TransposeConv: 49,
  HardSwish: 91,
} as const;

type Field = [slot: number, kind: 'i32' | 'i8' | 'bool' | 'f32', value: number];

interface TensorSpec {
  name: string;
  shape: number[];
  type: number;
  data?: Uint8Array;
  quant?: { scale: number[]; zeroPoint: number[]; dim: number };
}

interface OpSpec {
  code: number;
  custom?: string;
  inputs: number[];
  outputs: number[];
  optType: number;
  fields: Field[];
}

export function opCode(name: string): number {
  const c = BUILTIN_NAMES.indexOf(name);
  if (c < 0) throw new Error(`unknown op ${name}`);
  return c;
}

export class TflBuilder {
  private readonly tensors: TensorSpec[] = [];
  private readonly ops: OpSpec[] = [];
  inputs: number[] = [];
  outputs: number[] = [];

  tensor(name: string, shape: number[], type: number = TensorType.FLOAT32, data?: Uint8Array, quant?: TensorSpec['quant']): number {
    this.tensors.push({ name, shape, type, data, quant });
    return this.tensors.length - 1;
  }

  input(name: string, shape: number[]): number {
    const t = this.tensor(name, shape);
    this.inputs.push(t);
    return t;
  }

  floats(name: string, shape: number[], values: ArrayLike<number>): number {
    return this.tensor(name, shape, TensorType.FLOAT32, new Uint8Array(Float32Array.from(values).buffer));
  }

  ints(name: string, shape: number[], values: number[]): number {
    return this.tensor(name, shape, TensorType.INT32, new Uint8Array(Int32Array.from(values).buffer));
  }

  op(name: string, inputs: number[], outputs: number[], optType = 0, fields: Field[] = []): void {
    this.ops.push({ code: opCode(name), inputs, outputs, optType, fields });
  }

  custom(code: string, inputs: number[], outputs: number[]): void {
    this.ops.push({ code: opCode('CUSTOM'), custom: code, inputs, outputs, optType: 0, fields: [] });
  }

  finish(): Uint8Array {
    const b = new Builder(1024);
    const i32s = (v: number[]) => {
      b.startVector(4, v.length, 4);
      for (let i = v.length - 1; i >= 0; i--) b.addInt32(v[i]!);
      return b.endVector();
    };
    const f32s = (v: number[]) => {
      b.startVector(4, v.length, 4);
      for (let i = v.length - 1; i >= 0; i--) b.addFloat32(v[i]!);
      return b.endVector();
    };
    const i64s = (v: number[]) => {
      b.startVector(8, v.length, 8);
      for (let i = v.length - 1; i >= 0; i--) b.addInt64(BigInt(v[i]!));
      return b.endVector();
    };
    const tables = (v: number[]) => {
      b.startVector(4, v.length, 4);
      for (let i = v.length - 1; i >= 0; i--) b.addOffset(v[i]!);
      return b.endVector();
    };
    // buffers: 0 is the empty buffer, then one per constant tensor
    const bufferOffsets: number[] = [];
    b.startObject(1);
    bufferOffsets.push(b.endObject());
    const bufferOf: number[] = [];
    for (const t of this.tensors) {
      if (!t.data) {
        bufferOf.push(0);
        continue;
      }
      b.startVector(1, t.data.length, 16);
      for (let i = t.data.length - 1; i >= 0; i--) b.addInt8(t.data[i]!);
      const data = b.endVector();
      b.startObject(1);
      b.addFieldOffset(F.Buffer.data, data, 0);
      bufferOf.push(bufferOffsets.length);
      bufferOffsets.push(b.endObject());
    }
    const tensorOffsets = this.tensors.map((t, i) => {
      const shape = i32s(t.shape);
      const name = b.createString(t.name);
      let quant = 0;
      if (t.quant) {
        const scale = f32s(t.quant.scale);
        const zp = i64s(t.quant.zeroPoint);
        b.startObject(7);
        b.addFieldOffset(F.Quantization.scale, scale, 0);
        b.addFieldOffset(F.Quantization.zeroPoint, zp, 0);
        b.addFieldInt32(F.Quantization.quantizedDimension, t.quant.dim, 0);
        quant = b.endObject();
      }
      b.startObject(8);
      b.addFieldOffset(F.Tensor.shape, shape, 0);
      b.addFieldInt8(F.Tensor.type, t.type, 0);
      b.addFieldInt32(F.Tensor.buffer, bufferOf[i]!, 0);
      b.addFieldOffset(F.Tensor.name, name, 0);
      if (quant) b.addFieldOffset(F.Tensor.quantization, quant, 0);
      return b.endObject();
    });
    const codes: { code: number; custom?: string }[] = [];
    const codeIndex = (o: OpSpec) => {
      let i = codes.findIndex((c) => c.code === o.code && c.custom === o.custom);
      if (i < 0) i = codes.push({ code: o.code, custom: o.custom }) - 1;
      return i;
    };
    const opOffsets = this.ops.map((o) => {
      const ins = i32s(o.inputs);
      const outs = i32s(o.outputs);
      let opts = 0;
      if (o.optType) {
        b.startObject(Math.max(0, ...o.fields.map((f) => f[0] + 1)));
        for (const [slot, kind, v] of o.fields) {
          if (kind === 'i32') b.addFieldInt32(slot, v, 0);
          else if (kind === 'f32') b.addFieldFloat32(slot, v, 0);
          else b.addFieldInt8(slot, v, 0);
        }
        opts = b.endObject();
      }
      const idx = codeIndex(o);
      b.startObject(6);
      b.addFieldInt32(F.Operator.opcodeIndex, idx, 0);
      b.addFieldOffset(F.Operator.inputs, ins, 0);
      b.addFieldOffset(F.Operator.outputs, outs, 0);
      if (o.optType) {
        b.addFieldInt8(F.Operator.builtinOptionsType, o.optType, 0);
        b.addFieldOffset(F.Operator.builtinOptions, opts, 0);
      }
      return b.endObject();
    });
    const codeOffsets = codes.map((c) => {
      const custom = c.custom ? b.createString(c.custom) : 0;
      b.startObject(4);
      b.addFieldInt8(F.OperatorCode.deprecatedBuiltinCode, Math.min(c.code, 127), 0);
      if (custom) b.addFieldOffset(F.OperatorCode.customCode, custom, 0);
      b.addFieldInt32(F.OperatorCode.version, 1, 1);
      b.addFieldInt32(F.OperatorCode.builtinCode, c.code, 0);
      return b.endObject();
    });
    const tensorsVec = tables(tensorOffsets);
    const inVec = i32s(this.inputs);
    const outVec = i32s(this.outputs);
    const opsVec = tables(opOffsets);
    const sgName = b.createString('main');
    b.startObject(5);
    b.addFieldOffset(F.SubGraph.tensors, tensorsVec, 0);
    b.addFieldOffset(F.SubGraph.inputs, inVec, 0);
    b.addFieldOffset(F.SubGraph.outputs, outVec, 0);
    b.addFieldOffset(F.SubGraph.operators, opsVec, 0);
    b.addFieldOffset(F.SubGraph.name, sgName, 0);
    const sg = b.endObject();
    const codesVec = tables(codeOffsets);
    const sgVec = tables([sg]);
    const buffersVec = tables(bufferOffsets);
    const desc = b.createString('easyquant test model');
    b.startObject(5);
    b.addFieldInt32(F.Model.version, 3, 0);
    b.addFieldOffset(F.Model.operatorCodes, codesVec, 0);
    b.addFieldOffset(F.Model.subgraphs, sgVec, 0);
    b.addFieldOffset(F.Model.description, desc, 0);
    b.addFieldOffset(F.Model.buffers, buffersVec, 0);
    b.finish(b.endObject(), 'TFL3');
    return b.asUint8Array().slice();
  }
}
