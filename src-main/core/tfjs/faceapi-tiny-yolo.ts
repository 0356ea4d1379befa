/**
 * face-api.js ships its Tiny-YOLOv2 face detector as a bare weights manifest (the topology lives
 * in its JS code). This writes that topology as a TF.js graph model over the same weights, as
 * face-api's TinyYolov2Base.runMobilenet does it: conv0 3x3 valid + leaky, then separable convs
 * (pad 1, depthwise 3x3, pointwise 1x1, bias, leaky 0.1) with 2x2 max pools, and a 1x1 head of
 * 5 anchors x (x, y, w, h, score).
 */
import { ModelFormatError } from '../onnx/model-format.js';
import { intsAttr, placeholderNode, strAttr, strsAttr, type TfjsModelJson, type TfjsNode, type TfjsWeightSpec } from './model-json.js';

export type WeightsManifest = TfjsModelJson['weightsManifest'];

/** True when a JSON value looks like a face-api weights manifest (array of {paths, weights}). */
export function isFaceApiManifest(j: unknown): j is WeightsManifest {
  return Array.isArray(j) && j.length > 0 && j.every((g) => g && Array.isArray((g as { paths?: unknown }).paths) && Array.isArray((g as { weights?: unknown }).weights));
}

/** The Tiny-YOLOv2 (separable) graph over `manifest`'s weights at inputSize x inputSize. */
export function faceApiTinyYoloModel(manifest: WeightsManifest, file: string, inputSize = 416): TfjsModelJson {
  const specs = new Map<string, TfjsWeightSpec>(manifest.flatMap((g) => g.weights.map((w) => [w.name, w] as const)));
  const need = (name: string): string => {
    if (!specs.has(name))
      throw new ModelFormatError(`${file}: a face-api weights manifest without '${name}'; only the Tiny-YOLOv2 face detector (tiny_face_detector_model) is supported`);
    return name;
  };
  const nodes: TfjsNode[] = [placeholderNode('input', [1, inputSize, inputSize, 3])];
  for (const name of specs.keys()) nodes.push({ name, op: 'Const' });
  const leaky = { fused_ops: strsAttr(['BiasAdd', 'LeakyRelu']), leakyrelu_alpha: { f: 0.1 } };
  let x = 'input';
  const add = (n: TfjsNode): void => {
    nodes.push(n);
    x = n.name;
  };
  const pool = (i: number, stride: number): void =>
    add({ name: `pool${i}`, op: 'MaxPool', input: [x], attr: { ksize: intsAttr([1, 2, 2, 1]), strides: intsAttr([1, stride, stride, 1]), padding: strAttr('SAME') } });
  add({ name: 'conv0', op: '_FusedConv2D', input: [x, need('conv0/filters'), need('conv0/bias')], attr: { ...leaky, strides: intsAttr([1, 1, 1, 1]), padding: strAttr('VALID') } });
  pool(0, 2);
  for (let i = 1; i <= 7; i++) {
    if (!specs.has(`conv${i}/depthwise_filter`)) {
      if (i <= 5) need(`conv${i}/depthwise_filter`);
      continue;
    }
    add({
      name: `conv${i}/depthwise`,
      op: 'DepthwiseConv2dNative',
      input: [x, need(`conv${i}/depthwise_filter`)],
      attr: { strides: intsAttr([1, 1, 1, 1]), padding: strAttr('EXPLICIT'), explicit_paddings: intsAttr([0, 0, 1, 1, 1, 1, 0, 0]) },
    });
    add({
      name: `conv${i}`,
      op: '_FusedConv2D',
      input: [x, need(`conv${i}/pointwise_filter`), need(`conv${i}/bias`)],
      attr: { ...leaky, strides: intsAttr([1, 1, 1, 1]), padding: strAttr('VALID') },
    });
    if (i <= 5) pool(i, i === 5 ? 1 : 2);
  }
  add({
    name: 'boxes',
    op: '_FusedConv2D',
    input: [x, need('conv8/filters'), need('conv8/bias')],
    attr: { fused_ops: strsAttr(['BiasAdd']), strides: intsAttr([1, 1, 1, 1]), padding: strAttr('VALID') },
  });
  return { format: 'graph-model', modelTopology: { node: nodes }, weightsManifest: manifest };
}
