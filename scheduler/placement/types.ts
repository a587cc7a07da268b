import type { ResourceVector } from '../resources.ts';

/** What the placement policies know about a node: a snapshot, never a live object. */
export interface NodeView {
  readonly nodeId: string;
  readonly alive: boolean;
  /** Being drained (`convoy drain`): it keeps the leases it has and gets no new ones. */
  readonly draining?: boolean;
  /** Known from before a head restart and not back yet: no new leases until it is, but it counts as able to run. */
  readonly away?: boolean;
  readonly total: ResourceVector;
  readonly available: ResourceVector;
}

export type PlacementStrategy = 'pack' | 'spread';

export interface PlacementRequest {
  readonly resources: ResourceVector;
  readonly strategy: PlacementStrategy;
  /** Nodes that hold the task's argument objects, best first. Chosen when they fit right now. */
  readonly preferredNodes?: readonly string[];
}

/**
 * The outcome of one placement decision. `wait` (resources exist but are busy: retry later) is kept apart from
 * `infeasible` (no live node could ever run it) so that status can warn about the second and stay quiet about
 * the first, as Ray's scheduling policy does.
 */
export type Placement =
  | { readonly kind: 'placed'; readonly nodeId: string; readonly reason: 'locality' | 'pack' | 'spread' }
  | { readonly kind: 'wait'; readonly reason: string }
  | { readonly kind: 'infeasible'; readonly reason: string };
