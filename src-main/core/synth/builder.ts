/**
 * Builds a synthetic CNN layer by layer as an ONNX model (opset 13), PyTorch-export style:
 * Conv without bias followed by BatchNormalization, ReLU / ReLU6 (Clip with constant
 * min/max inputs), Add, MaxPool, GlobalAveragePool, Flatten, Gemm(transB=1).
 *
 * Weights are Kaiming-uniform (variance 2/fan_in) from a seeded PRNG. BatchNormalization
 * statistics are not invented: every layer is run eagerly, with the repository's own FP32
 * kernels, on a small seeded calibration batch (smooth random "images" at a resolution of
 * at most 128), and each BN gets the per-channel mean and variance of the conv output it
 * normalises, as a trained network's running statistics would be. With random gamma/beta
 * near 1/0 every BN output is roughly unit-variance, so activations neither explode nor
 * vanish through the depth, at any input size.
 *
 * Parameter and MAC counts follow the usual (torchvision / thop) conventions: parameters
 * are conv and linear weights and biases plus BN gamma and beta (running statistics are
 * buffers, not parameters); MACs are the multiply-accumulates of Conv and Gemm at the
 * requested input size.
 */
import type { AttrValue, Node } from '../graph/ir.js';
import type { FloatTensor, Tensor } from '../graph/tensor.js';
import { numel } from '../graph/tensor.js';
import { onnx, type IAttributeProto, type INodeProto } from '../onnx/proto.js';
import { encodeTensor } from '../onnx/tensor-codec.js';
import { findOp } from '../ops/registry.js';
import { rngStream, uniform, uniformArray, type Rng } from './rng.js';

export const SYNTH_OPSET = 13;
const BN_EPS = 1e-5;
/** the calibration batch is run at min(size, CALIB_MAX_RES) */
const CALIB_MAX_RES = 128;
/** the calibration batch gives each BN channel at least this many samples in the last stage */
const CALIB_MIN_SAMPLES = 16;

type AttrSpec = { int: number } | { float: number } | { ints: number[] };

interface SynthNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: Record<string, AttrSpec>;
}

export interface SynthInfo {
  arch: string;
  size: number;
  seed: number;
  /** trainable parameters (conv/linear weights and biases, BN gamma and beta) */
  params: number;
  /** multiply-accumulates of Conv and Gemm for one image at `size` */
  macs: number;
  convs: number;
  batchNorms: number;
  gemms: number;
  nodes: number;
  /** resolution and batch of the calibration pass that set the BN statistics */
  calibration: { resolution: number; batch: number };
}

export interface SynthResult {
  bytes: Uint8Array;
  info: SynthInfo;
}

export type Activation = 'relu' | 'relu6' | 'none';

export interface ConvOpts {
  cout: number;
  kernel: number;
  stride?: number;
  pad?: number;
  group?: number;
}

export interface BnOpts {
  /** range of the random BN gamma (default 0.6..1.4) */
  gamma?: [number, number];
  /** range of the random BN beta (default -0.2..0.2) */
  beta?: [number, number];
}

function toIrAttr(a: AttrSpec): AttrValue {
  return 'int' in a ? a.int : 'float' in a ? a.float : a.ints;
}

function toProtoAttr(name: string, a: AttrSpec): IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in a) return { name, type: T.INT, i: a.int };
  if ('float' in a) return { name, type: T.FLOAT, f: a.float };
  return { name, type: T.INTS, ints: a.ints };
}

/** Smooth random images (bilinear-upsampled coarse noise plus fine noise), unit variance per image and channel. */
function calibrationInput(r: Rng, batch: number, res: number): FloatTensor {
  const dims = [batch, 3, res, res];
  const data = new Float32Array(numel(dims));
  const G = Math.max(2, Math.round(res / 8)) + 1;
  const coarse = new Float64Array(G * G);
  const plane = res * res;
  for (let p = 0; p < batch * 3; p++) {
    for (let i = 0; i < coarse.length; i++) coarse[i] = r() * 2 - 1;
    const o = p * plane;
    let sum = 0;
    let sq = 0;
    for (let y = 0; y < res; y++) {
      const fy = (y / (res - 1 || 1)) * (G - 1);
      const y0 = Math.min(G - 2, Math.floor(fy));
      const ty = fy - y0;
      for (let x = 0; x < res; x++) {
        const fx = (x / (res - 1 || 1)) * (G - 1);
        const x0 = Math.min(G - 2, Math.floor(fx));
        const tx = fx - x0;
        const a = coarse[y0 * G + x0]! * (1 - tx) + coarse[y0 * G + x0 + 1]! * tx;
        const b = coarse[(y0 + 1) * G + x0]! * (1 - tx) + coarse[(y0 + 1) * G + x0 + 1]! * tx;
        const v = a * (1 - ty) + b * ty + 0.25 * (r() * 2 - 1);
        data[o + y * res + x] = v;
        sum += v;
        sq += v * v;
      }
    }
    const mean = sum / plane;
    const std = Math.sqrt(Math.max(sq / plane - mean * mean, 1e-12));
    for (let i = 0; i < plane; i++) data[o + i] = (data[o + i]! - mean) / std;
  }
  return { dtype: 'float32', dims, data };
}

/** Per-channel mean and (biased) variance of an NCHW tensor, over batch and space. */
function channelStats(t: FloatTensor): { mean: Float32Array; varr: Float32Array } {
  const [N, C] = t.dims as [number, number];
  const hw = t.data.length / (N * C);
  const mean = new Float32Array(C);
  const varr = new Float32Array(C);
  for (let c = 0; c < C; c++) {
    let s = 0;
    let q = 0;
    for (let n = 0; n < N; n++) {
      const o = (n * C + c) * hw;
      for (let i = 0; i < hw; i++) {
        const v = t.data[o + i]!;
        s += v;
        q += v * v;
      }
    }
    const cnt = N * hw;
    const m = s / cnt;
    mean[c] = m;
    varr[c] = Math.max(q / cnt - m * m, 0);
  }
  // a (near-)constant channel must not get a huge 1/sqrt(var): floor at 1e-3 of the layer's median variance
  const sorted = Float32Array.from(varr).sort();
  const floor = Math.max(1e-3 * sorted[sorted.length >> 1]!, 1e-6);
  for (let c = 0; c < C; c++) varr[c] = Math.max(varr[c]!, floor);
  return { mean, varr };
}

function intsAttr(n: SynthNode, name: string): number[] {
  const a = n.attrs[name];
  if (!a || !('ints' in a)) throw new Error(`synth: ${n.name}: missing attribute ${name}`);
  return a.ints;
}

function isDepthwise(n: SynthNode, inputs: (Tensor | undefined)[]): boolean {
  const g = n.attrs['group'];
  return n.op === 'Conv' && g !== undefined && 'int' in g && g.int > 1 && inputs[1]?.dims[1] === 1 && inputs[0]?.dims[1] === g.int;
}

/**
 * Direct depthwise conv (square kernel, symmetric pads) for the calibration pass. The
 * repository's depthwise kernel loops forever on a stride-1 3x3 conv over a 2-pixel-wide
 * map (no interior columns), which small calibration resolutions hit.
 */
function depthwiseConv(n: SynthNode, x: FloatTensor, w: FloatTensor): FloatTensor {
  const [N, C, H, W] = x.dims as [number, number, number, number];
  const k = w.dims[2]!;
  const s = intsAttr(n, 'strides')[0]!;
  const p = intsAttr(n, 'pads')[0]!;
  const OH = Math.floor((H + 2 * p - k) / s) + 1;
  const OW = Math.floor((W + 2 * p - k) / s) + 1;
  const y = new Float32Array(N * C * OH * OW);
  for (let b = 0; b < N; b++) {
    for (let c = 0; c < C; c++) {
      const xo = (b * C + c) * H * W;
      const yo = (b * C + c) * OH * OW;
      const wo = c * k * k;
      for (let oh = 0; oh < OH; oh++) {
        for (let ow = 0; ow < OW; ow++) {
          let acc = 0;
          for (let ki = 0; ki < k; ki++) {
            const ih = oh * s - p + ki;
            if (ih < 0 || ih >= H) continue;
            for (let kj = 0; kj < k; kj++) {
              const iw = ow * s - p + kj;
              if (iw >= 0 && iw < W) acc += x.data[xo + ih * W + iw]! * w.data[wo + ki * k + kj]!;
            }
          }
          y[yo + oh * OW + ow] = acc;
        }
      }
    }
  }
  return { dtype: 'float32', dims: [N, C, OH, OW], data: y };
}

export class NetBuilder {
  readonly input = 'input';
  private readonly nodes: SynthNode[] = [];
  private readonly inits = new Map<string, Tensor>();
  /** static shapes at the requested size */
  private readonly shapes = new Map<string, number[]>();
  /** calibration activations */
  private readonly probe = new Map<string, Tensor>();
  private readonly wr: Rng;
  private readonly calib: { resolution: number; batch: number };
  private params = 0;
  private macs = 0;
  private counts = { convs: 0, batchNorms: 0, gemms: 0 };
  private relu6Consts = false;

  constructor(
    readonly arch: string,
    readonly size: number,
    readonly seed: number,
    /** total stride of the network: sets the calibration batch so the last stage has enough samples */
    totalStride = 32,
  ) {
    this.wr = rngStream(seed, `${arch}/weights`);
    const res = Math.min(size, CALIB_MAX_RES);
    const last = Math.max(1, Math.ceil(res / totalStride)) ** 2;
    const batch = Math.max(1, Math.ceil(CALIB_MIN_SAMPLES / last));
    this.calib = { resolution: res, batch };
    this.shapes.set(this.input, [1, 3, size, size]);
    this.probe.set(this.input, calibrationInput(rngStream(seed, `${arch}/calibration`), batch, res));
  }

  channels(x: string): number {
    const s = this.shapes.get(x);
    if (!s) throw new Error(`synth: unknown tensor '${x}'`);
    return s[1]!;
  }

  private addInit(name: string, t: Tensor, trainable: boolean): string {
    if (this.inits.has(name)) throw new Error(`synth: duplicate initializer '${name}'`);
    this.inits.set(name, t);
    this.shapes.set(name, t.dims);
    this.probe.set(name, t);
    if (trainable) this.params += t.data.length;
    return name;
  }

  /** Adds a node, infers its output shape at `size` and runs it on the calibration batch. */
  private emit(n: SynthNode): void {
    const def = findOp(n.op, '', SYNTH_OPSET);
    if (!def) throw new Error(`synth: no kernel for ${n.op}`);
    const attrs: Record<string, AttrValue> = {};
    for (const [k, v] of Object.entries(n.attrs)) attrs[k] = toIrAttr(v);
    const node: Node = { name: n.name, op: n.op, domain: '', inputs: n.inputs, outputs: n.outputs, attrs };
    const ctx = { opset: SYNTH_OPSET };
    const outShapes = def.inferShape(
      node,
      n.inputs.map((i) => this.shapes.get(i)),
      n.inputs.map((i) => this.inits.get(i)),
      ctx,
    );
    const probeIn = n.inputs.map((i) => this.probe.get(i));
    const outs = isDepthwise(n, probeIn) ? [depthwiseConv(n, probeIn[0] as FloatTensor, probeIn[1] as FloatTensor)] : def.run(node, probeIn, ctx);
    n.outputs.forEach((o, i) => {
      if (this.shapes.has(o)) throw new Error(`synth: tensor '${o}' is produced twice`);
      this.shapes.set(o, outShapes[i]!);
      this.probe.set(o, outs[i]!);
    });
    this.nodes.push(n);
  }

  /** Conv without bias (the BN that follows supplies it), Kaiming-uniform weights. */
  conv(x: string, name: string, o: ConvOpts): string {
    const cin = this.channels(x);
    const group = o.group ?? 1;
    const k = o.kernel;
    const stride = o.stride ?? 1;
    const pad = o.pad ?? (k - 1) >> 1;
    if (cin % group !== 0 || o.cout % group !== 0) throw new Error(`synth: ${name}: channels ${cin}->${o.cout} not divisible by group ${group}`);
    const fanIn = (cin / group) * k * k;
    const wDims = [o.cout, cin / group, k, k];
    const w = this.addInit(`${name}.weight`, { dtype: 'float32', dims: wDims, data: uniformArray(this.wr, numel(wDims), Math.sqrt(6 / fanIn)) }, true);
    const y = `${name}.out`;
    this.emit({
      name,
      op: 'Conv',
      inputs: [x, w],
      outputs: [y],
      attrs: {
        dilations: { ints: [1, 1] },
        group: { int: group },
        kernel_shape: { ints: [k, k] },
        pads: { ints: [pad, pad, pad, pad] },
        strides: { ints: [stride, stride] },
      },
    });
    this.macs += numel(this.shapes.get(y)!) * fanIn;
    this.counts.convs++;
    return y;
  }

  /** BatchNormalization with the calibration batch's per-channel statistics and random gamma/beta. */
  bn(x: string, name: string, o: BnOpts = {}): string {
    const xt = this.probe.get(x) as FloatTensor;
    const C = this.channels(x);
    const { mean, varr } = channelStats(xt);
    const [g0, g1] = o.gamma ?? [0.6, 1.4];
    const [b0, b1] = o.beta ?? [-0.2, 0.2];
    const gamma = new Float32Array(C);
    const beta = new Float32Array(C);
    for (let c = 0; c < C; c++) gamma[c] = uniform(this.wr, g0, g1);
    for (let c = 0; c < C; c++) beta[c] = uniform(this.wr, b0, b1);
    const t = (d: Float32Array): FloatTensor => ({ dtype: 'float32', dims: [C], data: d });
    const inputs = [
      x,
      this.addInit(`${name}.weight`, t(gamma), true),
      this.addInit(`${name}.bias`, t(beta), true),
      this.addInit(`${name}.running_mean`, t(mean), false),
      this.addInit(`${name}.running_var`, t(varr), false),
    ];
    const y = `${name}.out`;
    this.emit({ name, op: 'BatchNormalization', inputs, outputs: [y], attrs: { epsilon: { float: BN_EPS }, momentum: { float: 0.9 } } });
    this.counts.batchNorms++;
    return y;
  }

  relu(x: string, name: string): string {
    const y = `${name}.out`;
    this.emit({ name, op: 'Relu', inputs: [x], outputs: [y], attrs: {} });
    return y;
  }

  /** ReLU6 as PyTorch exports it at opset >= 11: Clip(x, 0, 6) with constant min/max inputs. */
  relu6(x: string, name: string): string {
    if (!this.relu6Consts) {
      this.addInit('relu6.min', { dtype: 'float32', dims: [], data: Float32Array.of(0) }, false);
      this.addInit('relu6.max', { dtype: 'float32', dims: [], data: Float32Array.of(6) }, false);
      this.relu6Consts = true;
    }
    const y = `${name}.out`;
    this.emit({ name, op: 'Clip', inputs: [x, 'relu6.min', 'relu6.max'], outputs: [y], attrs: {} });
    return y;
  }

  act(x: string, name: string, a: Activation): string {
    return a === 'relu' ? this.relu(x, name) : a === 'relu6' ? this.relu6(x, name) : x;
  }

  /** conv → BN → activation; node names `${name}`, `${bnName}`, `${name}.${act}`. */
  convBn(x: string, name: string, bnName: string, o: ConvOpts & BnOpts & { act: Activation }): string {
    return this.act(this.bn(this.conv(x, name, o), bnName, o), `${name}.${o.act}`, o.act);
  }

  add(a: string, b: string, name: string): string {
    const y = `${name}.out`;
    this.emit({ name, op: 'Add', inputs: [a, b], outputs: [y], attrs: {} });
    return y;
  }

  maxPool(x: string, name: string, kernel: number, stride: number, pad: number): string {
    const y = `${name}.out`;
    this.emit({
      name,
      op: 'MaxPool',
      inputs: [x],
      outputs: [y],
      attrs: { ceil_mode: { int: 0 }, kernel_shape: { ints: [kernel, kernel] }, pads: { ints: [pad, pad, pad, pad] }, strides: { ints: [stride, stride] } },
    });
    return y;
  }

  globalAvgPool(x: string, name: string): string {
    const y = `${name}.out`;
    this.emit({ name, op: 'GlobalAveragePool', inputs: [x], outputs: [y], attrs: {} });
    return y;
  }

  flatten(x: string, name: string): string {
    const y = `${name}.out`;
    this.emit({ name, op: 'Flatten', inputs: [x], outputs: [y], attrs: { axis: { int: 1 } } });
    return y;
  }

  /** Linear layer as PyTorch exports it: Gemm(x, W[cout,cin], b, transB=1); output named `out`. */
  gemm(x: string, name: string, cout: number, out: string): string {
    const s = this.shapes.get(x)!;
    if (s.length !== 2) throw new Error(`synth: ${name}: Gemm input must be 2-D, got [${s.join(',')}]`);
    const cin = s[1]!;
    const w = this.addInit(`${name}.weight`, { dtype: 'float32', dims: [cout, cin], data: uniformArray(this.wr, cout * cin, Math.sqrt(6 / cin)) }, true);
    const b = this.addInit(`${name}.bias`, { dtype: 'float32', dims: [cout], data: uniformArray(this.wr, cout, 1 / Math.sqrt(cin)) }, true);
    this.emit({
      name,
      op: 'Gemm',
      inputs: [x, w, b],
      outputs: [out],
      attrs: { alpha: { float: 1 }, beta: { float: 1 }, transB: { int: 1 } },
    });
    this.macs += cout * cin;
    this.counts.gemms++;
    return out;
  }

  /** The calibration activation of a tensor (for diagnostics). */
  probeOf(x: string): FloatTensor | undefined {
    const t = this.probe.get(x);
    return t && t.dtype === 'float32' ? (t as FloatTensor) : undefined;
  }

  /** Serialises the model with `output` as the single graph output. */
  finish(output: string): SynthResult {
    const vi = (name: string, dims: number[]) =>
      onnx.ValueInfoProto.create({ name, type: { tensorType: { elemType: onnx.TensorProto.DataType.FLOAT, shape: { dim: dims.map((d) => ({ dimValue: d })) } } } });
    const nodes: INodeProto[] = this.nodes.map((n) =>
      onnx.NodeProto.create({
        name: n.name,
        opType: n.op,
        domain: '',
        input: n.inputs,
        output: n.outputs,
        attribute: Object.entries(n.attrs).map(([k, v]) => toProtoAttr(k, v)),
      }),
    );
    const model = onnx.ModelProto.create({
      irVersion: 7,
      producerName: 'easyquant-synth',
      producerVersion: '1',
      docString: `synthetic ${this.arch} with random weights (seed ${this.seed}); BN statistics from a random calibration batch`,
      opsetImport: [{ domain: '', version: SYNTH_OPSET }],
      metadataProps: [
        { key: 'synth.arch', value: this.arch },
        { key: 'synth.size', value: String(this.size) },
        { key: 'synth.seed', value: String(this.seed) },
      ],
      graph: {
        name: this.arch,
        node: nodes,
        input: [vi(this.input, this.shapes.get(this.input)!)],
        output: [vi(output, this.shapes.get(output)!)],
        initializer: [...this.inits].map(([k, t]) => encodeTensor(k, t)),
      },
    });
    const bytes = onnx.ModelProto.encode(model).finish();
    this.probe.clear();
    return {
      bytes,
      info: {
        arch: this.arch,
        size: this.size,
        seed: this.seed,
        params: this.params,
        macs: this.macs,
        ...this.counts,
        nodes: this.nodes.length,
        calibration: { ...this.calib },
      },
    };
  }
}
