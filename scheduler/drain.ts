/**
 * Draining a node (`convoy drain`, after Ray's DrainNode and `kubectl drain`): the head's decision, at each
 * look, of what the drain needs next. First the node's leases come back (scheduler/leases.ts revokes them;
 * each returns once its in-flight tasks are done); then the node itself is told to finish what still runs
 * (its actors' calls) and go. A deadline, once passed, cuts both short: the node stops what remains, and
 * the owners retry those tasks elsewhere as after a worker death.
 */

export interface DrainPlan {
  /** When the drain began (ms, any clock the caller also passes as `now`). */
  readonly since: number;
  /** When whatever still runs is stopped (same clock); none: wait as long as it takes. */
  readonly deadline?: number;
}

export type DrainStep =
  /** Leases other than actors' are still held on the node: wait for them to come back. */
  | { readonly kind: 'wait-for-leases'; readonly leasesLeft: number }
  /** Tell the node to finish its running work (within `graceMs` when there is a deadline) and leave. */
  | { readonly kind: 'release'; readonly graceMs?: number }
  /** The deadline passed: tell the node to stop what remains and leave now. */
  | { readonly kind: 'stop' };

/** `leasesLeft`: the node's leases that are not actor leases (revoked or not). */
export function drainStep(plan: DrainPlan, leasesLeft: number, now: number): DrainStep {
  if (plan.deadline !== undefined && now >= plan.deadline) return { kind: 'stop' };
  if (leasesLeft > 0) return { kind: 'wait-for-leases', leasesLeft };
  return plan.deadline === undefined ? { kind: 'release' } : { kind: 'release', graceMs: plan.deadline - now };
}
