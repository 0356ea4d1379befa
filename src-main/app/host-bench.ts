/**
 * The host benchmark of a project's run: which engines to time (the chosen run on the native
 * runtime, the latest finished run at each other bit width asked for, onnxruntime FP32) and the
 * worker job that times them. No board needed.
 */
import path from 'node:path';
import type { HostBenchInfo, HostBenchVariant } from '../contract/app-types.js';
import { Runtime } from '../engines/native/native-runtime.js';
import type { ProjectStore } from '../store/project-store.js';
import type { AppEvents } from './events.js';
import type { HostBenchJobResult, HostBenchVariantReq } from './host-bench-job.js';
import { UserError } from './user-error.js';
import { startJob } from './worker-pool.js';

export interface HostBenchParams {
  projectId: string;
  runId: string;
  compare: HostBenchVariant[];
  threads: number;
  runs: number;
  warmup: number;
}

export function benchVariants(store: ProjectStore, projectId: string, runId: string, compare: HostBenchVariant[]): HostBenchVariantReq[] {
  const run = store.getRun(runId);
  if (run.projectId !== projectId) throw new UserError(`run ${runId} belongs to another project`);
  if (run.status !== 'done') throw new UserError(`run ${run.label} has not finished (status: ${run.status})`);
  const native = (r: typeof run): HostBenchVariantReq => ({
    label: `${r.label} (native)`,
    engine: 'native',
    bits: r.bits,
    runId: r.id,
    scales: path.join(r.artifactDir, 'scales.json'),
  });
  const out = [native(run)];
  const done = store.listRuns(projectId).filter((r) => r.status === 'done');
  for (const c of compare) {
    const bits = c === 'int8' ? 8 : c === 'int7' ? 7 : null;
    if (bits === null || bits === run.bits) continue;
    // an EQ run if there is one, else the latest of any method
    const other = done.filter((r) => r.bits === bits && r.method === 'eq').pop() ?? done.filter((r) => r.bits === bits).pop();
    if (other) out.push(native(other));
  }
  if (compare.includes('fp32')) out.push({ label: 'FP32 (onnxruntime)', engine: 'ort-fp32', bits: null, runId: null });
  return out;
}

export async function runHostBench(store: ProjectStore, events: AppEvents, p: HostBenchParams): Promise<HostBenchInfo> {
  const project = store.getProject(p.projectId);
  if (!project.modelPath) throw new UserError('this project has no model yet');
  if (!Runtime.available()) throw new UserError('the host benchmark needs the native engine, which is not available (see the banner to build it)');
  const variants = benchVariants(store, p.projectId, p.runId, p.compare);
  const r = await startJob<HostBenchJobResult>(
    { kind: 'hostBench', model: project.modelPath, card: project.cardPath ?? undefined, variants, threads: p.threads, runs: p.runs, warmup: p.warmup },
    undefined,
    (message) => events.emit({ type: 'bench.progress', projectId: p.projectId, message }),
  ).promise.catch((e: Error) => {
    throw new UserError(`host benchmark failed: ${e.message}`);
  });
  return { projectId: p.projectId, runId: p.runId, threads: p.threads, runs: p.runs, warmup: p.warmup, ...r, createdAt: new Date().toISOString() };
}
