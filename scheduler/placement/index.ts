import { fits, formatVector, shortfall } from '../resources.ts';
import { locality } from './locality.ts';
import { pack } from './pack.ts';
import { spread } from './spread.ts';
import type { NodeView, Placement, PlacementRequest } from './types.ts';

export type { NodeView, Placement, PlacementRequest, PlacementStrategy } from './types.ts';
export { pack } from './pack.ts';
export { spread } from './spread.ts';
export { locality } from './locality.ts';

/**
 * Places one request: locality first, then the request's strategy. Returns `wait` when some live node could
 * hold it once busy resources free up, and `infeasible` with the nearest miss when none ever could.
 */
export function place(request: PlacementRequest, nodes: readonly NodeView[], rotation = 0): Placement {
  const alive = nodes.filter((n) => n.alive);
  const feasible = alive.filter((n) => fits(request.resources, n.total));
  if (feasible.length === 0) return { kind: 'infeasible', reason: infeasibleReason(request, alive) };
  const placed =
    (request.preferredNodes?.length ? locality(request.resources, feasible, request.preferredNodes) : undefined) ??
    (request.strategy === 'spread' ? spread(request.resources, feasible, rotation) : pack(request.resources, feasible));
  if (placed) return placed;
  return {
    kind: 'wait',
    reason: `waiting for ${formatVector(request.resources)}: ${feasible.length} node(s) can run it, all busy`,
  };
}

function infeasibleReason(request: PlacementRequest, alive: readonly NodeView[]): string {
  const wanted = formatVector(request.resources);
  if (alive.length === 0) return `no live nodes in the cluster to run ${wanted}`;
  // Name the node that comes closest (fewest resources missing, then smallest relative deficit), so the user
  // sees what to add: a GPU node, a custom resource, more memory.
  const miss = (n: NodeView) => {
    const short = shortfall(request.resources, n.total);
    let deficit = 0;
    for (const k in request.resources) deficit += Math.max(0, request.resources[k]! - (n.total[k] ?? 0)) / request.resources[k]!;
    return { short, score: short.length * 1000 + deficit };
  };
  let nearest = alive[0]!;
  let best = miss(nearest);
  for (const node of alive.slice(1)) {
    const m = miss(node);
    if (m.score < best.score) {
      nearest = node;
      best = m;
    }
  }
  const nearestMiss = best.short;
  return (
    `no node can ever provide ${wanted}; nearest is ${nearest.nodeId} with ${formatVector(nearest.total)} ` +
    `(short: ${nearestMiss.join(', ')}). Add a node with these resources or lower the request.`
  );
}
