// Worker of ort-node-runner.ts: runs one-node ONNX models in onnxruntime-node for a caller that
// blocks on Atomics.wait (the TS engines' FP32 path is synchronous, onnxruntime's run is not).
import { parentPort } from 'node:worker_threads';
import * as ort from 'onnxruntime-node';

const sessions = new Map();

parentPort.on('message', async ({ key, model, feeds, port, flag }) => {
  let reply;
  try {
    let s = sessions.get(key);
    if (!s) {
      s = await ort.InferenceSession.create(model, { intraOpNumThreads: 1, interOpNumThreads: 1 });
      sessions.set(key, s);
    }
    const inputs = {};
    for (const f of feeds) inputs[f.name] = new ort.Tensor(f.type, f.data, f.dims);
    const res = await s.run(inputs);
    reply = { outputs: s.outputNames.map((n) => ({ type: res[n].type, dims: res[n].dims.map(Number), data: res[n].data })) };
  } catch (e) {
    reply = { error: e instanceof Error ? e.message : String(e) };
  }
  port.postMessage(reply);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
});
