/**
 * The reference models in ../shared run end to end through the op kernels (nodes in file
 * order, shapes from inferShape checked against every output) and agree with onnxruntime.
 * Skipped, with a message, when ../shared is absent.
 */
import fs from 'node:fs';
import * as ort from 'onnxruntime-node';
import { expect, it } from 'vitest';
import type { Tensor } from '../../src-main/core/graph/tensor.js';
import { decodeModelProto, modelToGraph } from '../../src-main/core/onnx/import.js';
import { findOp } from '../../src-main/core/ops/registry.js';
import { describeShared, modelPath } from '../helpers/shared.js';

describeShared('reference models through the op kernels', () => {
  for (const name of ['mnist', 'squeezenet1.1', 'mobilenet_v1_0.25', 'ultraface_rfb320']) {
    it(name, async () => {
      const file = modelPath(name);
      if (!fs.existsSync(file)) return;
      const bytes = fs.readFileSync(file);
      const g = modelToGraph(decodeModelProto(bytes, file), file);
      const ctx = { opset: g.opset };
      const inp = g.inputs[0]!;
      const dims = inp.dims.map((d) => (d < 0 ? 1 : d));
      const n = dims.reduce((a, b) => a * b, 1);
      const x = new Float32Array(n);
      let s = 7;
      for (let i = 0; i < n; i++) {
        s = (s * 1103515245 + 12345) >>> 0;
        x[i] = (s / 4294967296) * 2 - 1;
      }
      const shapes = new Map<string, number[]>([[inp.name, dims]]);
      for (const [k, t] of g.initializers) shapes.set(k, t.dims);
      const vals = new Map<string, Tensor>(g.initializers);
      vals.set(inp.name, { dtype: 'float32', dims, data: x });
      for (const node of g.nodes) {
        const def = findOp(node.op, node.domain, g.opset);
        expect(def, `kernel for ${node.op}`).toBeDefined();
        const inferred = def!.inferShape(
          node,
          node.inputs.map((i) => shapes.get(i)),
          node.inputs.map((i) => g.initializers.get(i)),
          ctx,
        );
        const out = def!.run(
          node,
          node.inputs.map((i) => (i ? vals.get(i) : undefined)),
          ctx,
        );
        node.outputs.forEach((o, i) => {
          if (!o || !out[i]) return;
          expect(out[i]!.dims, `${node.name} output ${i}`).toEqual(inferred[i]);
          shapes.set(o, inferred[i]!);
          vals.set(o, out[i]!);
        });
      }
      const session = await ort.InferenceSession.create(bytes, { intraOpNumThreads: 1 });
      const res = await session.run({ [inp.name]: new ort.Tensor('float32', x, dims) });
      await session.release();
      for (const o of g.outputs) {
        const ours = vals.get(o.name)!.data as Float32Array;
        const ref = res[o.name]!.data as Float32Array;
        expect(ours.length).toBe(ref.length);
        let maxDiff = 0;
        let maxRef = 0;
        for (let i = 0; i < ref.length; i++) {
          maxDiff = Math.max(maxDiff, Math.abs(ours[i]! - ref[i]!));
          maxRef = Math.max(maxRef, Math.abs(ref[i]!));
        }
        expect(maxDiff, `${name} output ${o.name}`).toBeLessThanOrEqual(1e-4 * (1 + maxRef));
      }
    });
  }
});
