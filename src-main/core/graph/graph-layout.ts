/**
 * Layered (Sugiyama) layout of the graph view with dagre: top to bottom, one rank per
 * dependency level, so every edge points down. Positions are node centres in pixels.
 */
import dagre from '@dagrejs/dagre';
import type { GraphView } from './graph-view.js';

export interface NodePosition {
  id: string;
  x: number;
  y: number;
}

export interface GraphLayout {
  positions: NodePosition[];
  /** per edge of the view (same order): the route dagre drew, as [x, y] points */
  routes: [number, number][][];
  width: number;
  height: number;
}

export const NODE_W = 150;
export const NODE_H = 36;

export function layoutGraph(view: GraphView): GraphLayout {
  const g = new dagre.graphlib.Graph({ multigraph: true });
  g.setGraph({ rankdir: 'TB', nodesep: 24, ranksep: 36, marginx: 10, marginy: 10 });
  g.setDefaultEdgeLabel(() => ({}));
  for (const n of view.nodes) g.setNode(n.id, { width: NODE_W, height: NODE_H });
  for (const e of view.edges) g.setEdge(e.from, e.to, {}, e.tensor);
  dagre.layout(g);
  const positions = view.nodes.map((n) => {
    const p = g.node(n.id);
    return { id: n.id, x: p.x, y: p.y };
  });
  const routes = view.edges.map((e) =>
    (g.edge({ v: e.from, w: e.to, name: e.tensor })?.points ?? []).map((p: { x: number; y: number }): [number, number] => [Math.round(p.x), Math.round(p.y)]),
  );
  const label = g.graph();
  return { positions, routes, width: label.width ?? 0, height: label.height ?? 0 };
}
