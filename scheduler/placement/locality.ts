import { fits } from '../resources.ts';
import type { NodeView, Placement } from './types.ts';
import type { ResourceVector } from '../resources.ts';

/**
 * Locality: the first preferred node (one that holds the task's arguments) that fits right now. Moving the
 * task is cheaper than moving its data; when none fits, the caller falls back to pack or spread rather than
 * waiting, as Ray does.
 */
export function locality(
  request: ResourceVector,
  nodes: readonly NodeView[],
  preferred: readonly string[],
): Placement | undefined {
  for (const id of preferred) {
    const node = nodes.find((n) => n.nodeId === id);
    if (node && node.alive && fits(request, node.available)) return { kind: 'placed', nodeId: id, reason: 'locality' };
  }
  return undefined;
}
