import { fits, utilization } from '../resources.ts';
import type { NodeView, Placement } from './types.ts';
import type { ResourceVector } from '../resources.ts';

/**
 * Pack: the fitting node that is already the busiest, so idle nodes stay idle (and can scale down).
 * Ties go to the node listed first, which keeps the decision deterministic.
 */
export function pack(request: ResourceVector, nodes: readonly NodeView[]): Placement | undefined {
  let best: NodeView | undefined;
  let bestUse = -1;
  for (const node of nodes) {
    if (!node.alive || !fits(request, node.available)) continue;
    const use = utilization(node.total, node.available);
    if (use > bestUse + 1e-12) {
      best = node;
      bestUse = use;
    }
  }
  return best && { kind: 'placed', nodeId: best.nodeId, reason: 'pack' };
}
