/**
 * TF.js layers models (`format: "layers-model"`: a Keras model config and its weights, as
 * tensorflowjs_converter writes a Keras .h5): the Keras layers are written here as the TF ops a
 * graph model would hold (Conv2D + BiasAdd, FusedBatchNormV3, Pad, Mean, MatMul, …) over the same
 * weights, so the graph-model importer does the rest. Constants Keras keeps in its config
 * (paddings, axes, shapes) go to `extraWeights`. Functional (`Model`/`Functional`) and
 * `Sequential` models, channels_last only; a layer of another kind is refused with its name.
 */
import { ModelFormatError } from '../onnx/model-format.js';
import { intsAttr, placeholderNode, strAttr, strsAttr, type ConstTensor, type TfjsAttr, type TfjsModelJson, type TfjsNode, type TfjsWeightSpec } from './model-json.js';

interface KerasLayer {
  class_name: string;
  name?: string;
  config: Record<string, unknown> & { name?: string };
  inbound_nodes?: unknown[];
}

interface KerasModelConfig {
  class_name: string;
  config: { layers?: KerasLayer[]; input_layers?: unknown[]; output_layers?: unknown[] } | KerasLayer[];
}

/** True when parsed model.json is a Keras layers model. */
export function isKerasLayersModel(j: unknown): boolean {
  const m = j as { format?: string; modelTopology?: { model_config?: unknown; class_name?: string } } | null;
  return !!m && typeof m === 'object' && !!m.modelTopology && (m.format === 'layers-model' || !!m.modelTopology.model_config || !!m.modelTopology.class_name);
}

function pair(v: unknown, what: string, fail: (m: string) => never): [number, number] {
  if (typeof v === 'number') return [v, v];
  if (Array.isArray(v) && v.length === 2 && v.every((x) => typeof x === 'number')) return [v[0] as number, v[1] as number];
  return fail(`${what} must be a number or a pair, got ${JSON.stringify(v)}`);
}

/** The graph model a Keras layers model computes, over the same weight manifest. */
export function kerasLayersModel(j: unknown, file: string): TfjsModelJson {
  const m = j as { modelTopology: { model_config?: KerasModelConfig } & Partial<KerasModelConfig>; weightsManifest?: TfjsModelJson['weightsManifest'] };
  const top = m.modelTopology.model_config ?? (m.modelTopology as KerasModelConfig);
  if (!Array.isArray(m.weightsManifest)) throw new ModelFormatError(`${file}: TF.js layers model without a weightsManifest`);
  const cfg = top.config;
  const layers = Array.isArray(cfg) ? cfg : (cfg?.layers ?? []);
  if (!['Model', 'Functional', 'Sequential'].includes(top.class_name) || layers.length === 0) {
    throw new ModelFormatError(`${file}: Keras model class '${top.class_name}' with ${layers.length} layers is not supported (Model, Functional or Sequential)`);
  }
  const sequential = top.class_name === 'Sequential';
  const specs = new Map<string, TfjsWeightSpec>(m.weightsManifest.flatMap((g) => g.weights.map((w) => [w.name, w] as const)));
  const nodes: TfjsNode[] = [...specs.keys()].map((name) => ({ name, op: 'Const' }));
  const extra = new Map<string, ConstTensor>();
  const outOf = new Map<string, string>(); // Keras layer name → the TF tensor holding its output
  let last = '';

  for (const [li, layer] of layers.entries()) {
    const c = layer.config ?? {};
    const name = String(layer.name ?? c.name ?? `layer_${li}`);
    const fail = (msg: string): never => {
      throw new ModelFormatError(`${file}: Keras layer '${name}' (${layer.class_name}): ${msg}`);
    };
    const weight = (suffix: string): string => {
      const exact = `${name}/${suffix}`;
      if (specs.has(exact)) return exact;
      const tail = [...specs.keys()].filter((k) => k.endsWith(`/${exact}`));
      if (tail.length === 1) return tail[0]!;
      return fail(`weight '${exact}' is not in the weights manifest`);
    };
    const konst = (base: string, dims: number[], values: number[], integer: boolean): string => {
      const n = `${name}/${base}`;
      extra.set(n, { dims, data: Float32Array.from(values), integer });
      nodes.push({ name: n, op: 'Const' });
      return n;
    };
    let step = 0;
    const emit = (op: string, input: string[], attr: Record<string, TfjsAttr> = {}): string => {
      const n = step++ === 0 ? name : `${name}/${op}_${step}`;
      nodes.push({ name: n, op, input, attr });
      return n;
    };
    const inputs = sequential ? (li === 0 ? [] : [last]) : inboundOf(layer, outOf, fail);
    if (sequential && li === 0 && layer.class_name !== 'InputLayer') {
      const shape = (c['batch_input_shape'] as (number | null)[] | undefined) ?? fail('the first layer of a Sequential model has no batch_input_shape');
      nodes.push(placeholderNode(`${name}_input`, shape));
      inputs.push(`${name}_input`);
    }
    const x = inputs[0] ?? '';
    const needOne = () => {
      if (inputs.length !== 1) fail(`expects 1 input, got ${inputs.length}`);
    };
    if (c['data_format'] !== undefined && c['data_format'] !== 'channels_last') fail(`data_format ${String(c['data_format'])} is not supported (channels_last only)`);
    const act = (t: string, a: unknown): string => activationOf(t, a, emit, fail);
    let out: string;
    switch (layer.class_name) {
      case 'InputLayer': {
        const shape = (c['batch_input_shape'] ?? c['batch_shape']) as (number | null)[] | undefined;
        if (!shape) fail('no batch_input_shape');
        nodes.push(placeholderNode(name, shape!));
        out = name;
        break;
      }
      case 'Conv2D':
      case 'DepthwiseConv2D':
      case 'SeparableConv2D': {
        needOne();
        const [sh, sw] = pair(c['strides'] ?? 1, 'strides', fail);
        const [dh, dw] = pair(c['dilation_rate'] ?? 1, 'dilation_rate', fail);
        const padding = String(c['padding'] ?? 'valid').toUpperCase();
        if (padding !== 'VALID' && padding !== 'SAME') fail(`padding '${String(c['padding'])}' is not supported`);
        const geo = { strides: intsAttr([1, sh, sw, 1]), dilations: intsAttr([1, dh, dw, 1]), padding: strAttr(padding), data_format: strAttr('NHWC') };
        const kernel = weight(layer.class_name === 'Conv2D' ? 'kernel' : 'depthwise_kernel');
        const bias = c['use_bias'] !== false ? [weight('bias')] : [];
        const fused: Record<string, TfjsAttr> = bias.length ? { fused_ops: strsAttr(['BiasAdd']) } : {};
        if (layer.class_name === 'Conv2D') {
          out = emit(bias.length ? '_FusedConv2D' : 'Conv2D', [x, kernel, ...bias], { ...geo, ...fused });
        } else if (layer.class_name === 'DepthwiseConv2D') {
          out = emit(bias.length ? 'FusedDepthwiseConv2dNative' : 'DepthwiseConv2dNative', [x, kernel, ...bias], { ...geo, ...fused });
        } else {
          const dwOut = emit('DepthwiseConv2dNative', [x, kernel], geo);
          const one = { strides: intsAttr([1, 1, 1, 1]), dilations: intsAttr([1, 1, 1, 1]), padding: strAttr('VALID'), data_format: strAttr('NHWC') };
          out = emit(bias.length ? '_FusedConv2D' : 'Conv2D', [dwOut, weight('pointwise_kernel'), ...bias], { ...one, ...fused });
        }
        out = act(out, c['activation']);
        break;
      }
      case 'Dense': {
        needOne();
        const kernel = weight('kernel');
        const bias = c['use_bias'] !== false ? [weight('bias')] : [];
        out = emit(bias.length ? '_FusedMatMul' : 'MatMul', [x, kernel, ...bias], bias.length ? { fused_ops: strsAttr(['BiasAdd']) } : {});
        out = act(out, c['activation']);
        break;
      }
      case 'BatchNormalization': {
        needOne();
        const axis = Array.isArray(c['axis']) ? (c['axis'] as number[]) : [Number(c['axis'] ?? -1)];
        if (axis.length !== 1 || (axis[0] !== -1 && axis[0] !== 3 && axis[0] !== 1)) fail(`axis ${JSON.stringify(c['axis'])} is not supported (the channel axis, last)`);
        const mean = weight('moving_mean');
        const channels = specs.get(mean)!.shape.reduce((a, b) => a * b, 1);
        const gamma = c['scale'] !== false ? weight('gamma') : konst('ones', [channels], new Array<number>(channels).fill(1), false);
        const beta = c['center'] !== false ? weight('beta') : konst('zeros', [channels], new Array<number>(channels).fill(0), false);
        out = emit('FusedBatchNormV3', [x, gamma, beta, mean, weight('moving_variance')], { epsilon: { f: Number(c['epsilon'] ?? 1e-3) }, data_format: strAttr('NHWC') });
        break;
      }
      case 'Activation':
        needOne();
        out = act(x, c['activation']);
        break;
      case 'ReLU': {
        needOne();
        const maxValue = c['max_value'] as number | null | undefined;
        const slope = Number(c['negative_slope'] ?? 0);
        if (Number(c['threshold'] ?? 0) !== 0) fail('a threshold other than 0 is not supported');
        if (slope !== 0) out = emit('LeakyRelu', [x], { alpha: { f: slope } });
        else if (maxValue === 6) out = emit('Relu6', [x]);
        else if (maxValue === null || maxValue === undefined) out = emit('Relu', [x]);
        else return fail(`max_value ${maxValue} is not supported (none or 6)`);
        break;
      }
      case 'LeakyReLU':
        needOne();
        out = emit('LeakyRelu', [x], { alpha: { f: Number(c['alpha'] ?? 0.3) } });
        break;
      case 'Add':
      case 'Multiply':
      case 'Subtract':
      case 'Maximum':
      case 'Minimum': {
        if (inputs.length < 2) fail(`expects at least 2 inputs, got ${inputs.length}`);
        const op = { Add: 'AddN', Multiply: 'Mul', Subtract: 'Sub', Maximum: 'Maximum', Minimum: 'Minimum' }[layer.class_name]!;
        if (op === 'AddN') out = emit(op, inputs);
        else {
          out = inputs[0]!;
          for (const r of inputs.slice(1)) out = emit(op, [out, r]);
        }
        break;
      }
      case 'Concatenate':
        if (inputs.length < 2) fail(`expects at least 2 inputs, got ${inputs.length}`);
        out = emit('ConcatV2', [...inputs, konst('axis', [], [Number(c['axis'] ?? -1)], true)]);
        break;
      case 'ZeroPadding2D': {
        needOne();
        const p = c['padding'];
        const [[t, b], [l, r]] =
          typeof p === 'number'
            ? [
                [p, p],
                [p, p],
              ]
            : Array.isArray(p) && typeof p[0] === 'number'
              ? [
                  [p[0], p[0]],
                  [p[1], p[1]],
                ]
              : (p as number[][]);
        out = emit('Pad', [x, konst('paddings', [4, 2], [0, 0, t!, b!, l!, r!, 0, 0], true)]);
        break;
      }
      case 'MaxPooling2D':
      case 'AveragePooling2D': {
        needOne();
        const [kh, kw] = pair(c['pool_size'] ?? 2, 'pool_size', fail);
        const [sh, sw] = pair(c['strides'] ?? [kh, kw], 'strides', fail);
        const padding = String(c['padding'] ?? 'valid').toUpperCase();
        out = emit(layer.class_name === 'MaxPooling2D' ? 'MaxPool' : 'AvgPool', [x], {
          ksize: intsAttr([1, kh, kw, 1]),
          strides: intsAttr([1, sh, sw, 1]),
          padding: strAttr(padding),
          data_format: strAttr('NHWC'),
        });
        break;
      }
      case 'GlobalAveragePooling2D':
      case 'GlobalMaxPooling2D':
        needOne();
        out = emit(layer.class_name === 'GlobalAveragePooling2D' ? 'Mean' : 'Max', [x, konst('axes', [2], [1, 2], true)], { keep_dims: { b: c['keepdims'] === true } });
        break;
      case 'Flatten':
        needOne();
        out = emit('Reshape', [x, konst('shape', [2], [1, -1], true)]);
        break;
      case 'Reshape': {
        needOne();
        const target = (c['target_shape'] as number[] | undefined) ?? fail('no target_shape');
        out = emit('Reshape', [x, konst('shape', [target.length + 1], [1, ...target], true)]);
        break;
      }
      case 'Dropout':
      case 'SpatialDropout2D':
      case 'GaussianNoise':
      case 'GaussianDropout':
      case 'ActivityRegularization':
        needOne();
        out = emit('Identity', [x]);
        break;
      default:
        return fail('this layer kind is not supported by the TF.js layers-model importer');
    }
    outOf.set(name, out);
    last = out;
  }
  const outputs = Array.isArray(cfg) ? [last] : (cfg.output_layers ?? []).map((o) => outOf.get(String((o as unknown[])[0])) ?? last);
  const signature = { outputs: Object.fromEntries(outputs.map((o, i) => [`output_${i}`, { name: o }])) };
  return { format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: m.weightsManifest, signature, extraWeights: extra };
}

/** The TF tensors a functional-model layer reads (its first inbound node; shared layers refused). */
function inboundOf(layer: KerasLayer, outOf: Map<string, string>, fail: (m: string) => never): string[] {
  const inbound = layer.inbound_nodes ?? [];
  if (inbound.length === 0) return [];
  if (inbound.length > 1) fail(`the layer is called ${inbound.length} times (shared layers are not supported)`);
  const first = inbound[0];
  // Keras 2: [[name, node_index, tensor_index, kwargs], …]; Keras 3: {args: [{config: {keras_history: [name, …]}}]}
  const list = Array.isArray(first) ? first : fail('inbound nodes in a format this importer does not read');
  return list.map((e) => {
    const [src, nodeIndex, tensorIndex] = e as [string, number, number];
    if (nodeIndex !== 0 || tensorIndex !== 0) fail(`reads output ${tensorIndex} of call ${nodeIndex} of '${src}' (only single-output, single-call layers)`);
    return outOf.get(src) ?? fail(`reads '${src}', which is not written before it`);
  });
}

/** Keras `activation` after `x` (linear: x itself). */
function activationOf(x: string, a: unknown, emit: (op: string, input: string[], attr?: Record<string, TfjsAttr>) => string, fail: (m: string) => never): string {
  const kind = a === undefined || a === null ? 'linear' : String(a);
  const op = { relu: 'Relu', relu6: 'Relu6', sigmoid: 'Sigmoid', tanh: 'Tanh', elu: 'Elu', softmax: 'Softmax' }[kind];
  if (kind === 'linear') return x;
  if (!op) return fail(`activation '${kind}' is not supported`);
  return emit(op, [x]);
}
