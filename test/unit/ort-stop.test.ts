/**
 * The stop check before onnxruntime calls (engines/ort-stop.ts): once a job's flag is set, the
 * next run throws a cancellation instead of entering onnxruntime (a worker thread terminated
 * inside onnxruntime aborts the process); without a check installed, runs go on. And the
 * in-flight count the worker pool reads before it terminates a stopped job: up while a session
 * is created or run, down after it returns or throws, and a notify that wakes the pool when it drops.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { ortCall, setOrtStopCheck } from '../../src-main/engines/ort-stop.js';
import { OrtReference } from '../../src-main/engines/ort-reference.js';
import { buildModel } from '../helpers/onnx-build.js';

const bytes = buildModel({
  nodes: [{ op: 'Relu', inputs: ['x'], outputs: ['y'] }],
  inputs: [{ name: 'x', dims: [1, 4] }],
  outputs: [{ name: 'y' }],
  initializers: {},
  opset: 13,
});

describe('onnxruntime stop check', () => {
  afterEach(() => setOrtStopCheck(undefined));

  it('refuses the next run once the job is stopped, and runs again without a check', async () => {
    const ref = await OrtReference.create(bytes);
    const x = Float32Array.of(-1, 2, -3, 4);
    let stop = false;
    setOrtStopCheck(() => stop);
    expect(Array.from((await ref.run(x, [1, 4])).outputs.get('y')!.data)).toEqual([0, 2, 0, 4]);
    stop = true;
    await expect(ref.run(x, [1, 4])).rejects.toThrow(/cancelled: the job was stopped before its next onnxruntime run/);
    setOrtStopCheck(undefined);
    expect(Array.from((await ref.run(x, [1, 4])).outputs.get('y')!.data)).toEqual([0, 2, 0, 4]);
    await ref.release();
  });

  it('counts onnxruntime calls in flight in the shared slot, also when a call throws', async () => {
    const busy = new Int32Array(new SharedArrayBuffer(4));
    setOrtStopCheck(() => false, busy);
    let seen = -1;
    const ref = await ortCall(async () => {
      seen = Atomics.load(busy, 0);
      return OrtReference.create(bytes);
    });
    expect(seen).toBe(1);
    expect(Atomics.load(busy, 0)).toBe(0);
    // a session run (OrtReference.run goes through ortCall) is counted while it is pending
    const pending = ref.run(Float32Array.of(1, -1, 1, -1), [1, 4]);
    expect(Atomics.load(busy, 0)).toBe(1);
    await pending;
    expect(Atomics.load(busy, 0)).toBe(0);
    await expect(ortCall(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(Atomics.load(busy, 0)).toBe(0);
    await ref.release();
  });

  it('wakes a waiter on the slot (the pool stopping the job) when a call returns', async () => {
    const busy = new Int32Array(new SharedArrayBuffer(4));
    setOrtStopCheck(() => false, busy);
    let release!: () => void;
    const call = ortCall(() => new Promise<void>((r) => (release = r)));
    expect(Atomics.load(busy, 0)).toBe(1);
    const wait = Atomics.waitAsync(busy, 0, 1, 60_000);
    expect(wait.async).toBe(true);
    release();
    await call;
    // 'ok' comes only from ortCall's notify; without it the wait would run into its timeout
    expect(await wait.value).toBe('ok');
  });
});
