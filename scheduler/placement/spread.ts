import { fits, utilization } from '../resources.ts';
import type { NodeView, Placement } from './types.ts';
import type { ResourceVector } from '../resources.ts';

/**
 * Spread: the fitting node that is the least busy. Ties are broken by `rotation` (the caller passes a counter)
 * so that equal nodes take turns instead of the first one always winning.
 */
export function spread(request: ResourceVector, nodes: readonly NodeView[], rotation = 0): Placement | undefined {
  const candidates: { node: NodeView; use: number }[] = [];
  for (const node of nodes) {
    if (!node.alive || !fits(request, node.available)) continue;
    candidates.push({ node, use: utilization(node.total, node.available) });
  }
  if (candidates.length === 0) return undefined;
  const least = Math.min(...candidates.map((c) => c.use));
  const tied = candidates.filter((c) => c.use <= least + 1e-12);
  const pick = tied[((rotation % tied.length) + tied.length) % tied.length]!;
  return { kind: 'placed', nodeId: pick.node.nodeId, reason: 'spread' };
}
