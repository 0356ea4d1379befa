/**
 * Worker-side computations for the graph page and the Model page's size card: they load the
 * model (after the import passes) and plan its quantization, so they run as worker jobs.
 */
import { collapseFp32Chains } from '../core/graph/collapse-chains.js';
import { layoutGraph, NODE_H, NODE_W } from '../core/graph/graph-layout.js';
import { buildGraphView } from '../core/graph/graph-view.js';
import { int8Tensors } from '../core/quant/int8-tensors.js';
import { planQuantization } from '../core/quant/plan.js';
import { activationPeak, eqmSizeEstimate, weightBytes } from '../core/quant/size-estimate.js';
import { workspaceEstimate } from '../core/quant/workspace-estimate.js';
import type { GraphInfo, ModelSizeInfo, TargetMemoryInfo } from '../contract/app-types.js';
import { readScalesJson } from '../io/scales-json.js';
import { prepareModel } from '../pipeline/model-setup.js';

export interface GraphRequest {
  model: string;
  card?: string;
  collapse: boolean;
}

export function modelGraph(req: GraphRequest): GraphInfo {
  const p = prepareModel({ model: req.model, card: req.card }, { enforceLimits: false });
  const full = buildGraphView(p.model.graph, planQuantization(p.model.graph));
  const view = req.collapse ? collapseFp32Chains(full) : full;
  const layout = layoutGraph(view);
  const pos = new Map(layout.positions.map((q) => [q.id, q]));
  return {
    nodes: view.nodes.map((n) => ({ ...n, x: pos.get(n.id)!.x, y: pos.get(n.id)!.y })),
    edges: view.edges.map((e, i) => ({ ...e, points: layout.routes[i]! })),
    width: layout.width,
    height: layout.height,
    nodeWidth: NODE_W,
    nodeHeight: NODE_H,
    collapsed: req.collapse,
    graphNodes: full.nodes.length,
  };
}

export interface SizeRequest {
  model: string;
  card?: string;
  /** a run's scales.json: its int8 tensors instead of the plan's */
  scales?: string;
  targets: { target: string; threads: number }[];
}

export type SizeResult = Omit<ModelSizeInfo, 'eqmActual' | 'runId'>;

export function modelSize(req: SizeRequest): SizeResult {
  const p = prepareModel({ model: req.model, card: req.card }, { enforceLimits: false });
  const g = p.model.graph;
  const plan = planQuantization(g);
  const int8 = int8Tensors(g, plan, req.scales ? readScalesJson(req.scales).tensors : undefined);
  const peak = activationPeak(g, int8);
  const targets: TargetMemoryInfo[] = req.targets.map((t) => {
    const ws = workspaceEstimate(plan, t.threads);
    return { target: t.target, threads: t.threads, activationBytes: peak.bytes, workspaceBytes: ws.totalBytes, totalBytes: peak.bytes + ws.totalBytes };
  });
  return { weights: weightBytes(g, plan), eqmEstimateBytes: eqmSizeEstimate(g, plan), activationPeak: { bytes: peak.bytes, at: peak.at }, targets };
}
