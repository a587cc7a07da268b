/**
 * The client's dispatch decisions: how many queued tasks go to each lease, and whether to admit more work.
 *
 * Many tasks are in flight per lease because one round trip per task would cap throughput at the
 * wire's latency. The in-flight depth follows the backlog: with few long tasks each lease gets about its share,
 * so a second lease is not left idle while the first holds a queue; with thousands of tiny tasks every lease
 * gets many in flight, up to `maxInFlight`.
 */
export interface LeaseLoad {
  readonly leaseId: string;
  readonly inFlight: number;
  /** The lease sits on a node that holds the queued tasks' arguments. */
  readonly local?: boolean;
}

export function planDispatch(
  queued: number,
  leases: readonly LeaseLoad[],
  maxInFlight: number,
): { leaseId: string; count: number }[] {
  if (queued <= 0 || leases.length === 0) return [];
  const totalInFlight = leases.reduce((s, l) => s + l.inFlight, 0);
  const depth = Math.max(1, Math.min(maxInFlight, Math.ceil((queued + totalInFlight) / leases.length)));
  // Local leases first, then the least loaded, so ties spread evenly.
  const order = [...leases].sort((a, b) => Number(!!b.local) - Number(!!a.local) || a.inFlight - b.inFlight);
  const plan: { leaseId: string; count: number }[] = [];
  let left = queued;
  for (const lease of order) {
    if (left === 0) break;
    const room = Math.min(left, depth - lease.inFlight);
    if (room > 0) {
      plan.push({ leaseId: lease.leaseId, count: room });
      left -= room;
    }
  }
  return plan;
}

/** How many more leases to ask for: one per queued task beyond what held leases can absorb, capped. */
export function leasesWanted(queued: number, heldLeases: number, requested: number, maxLeases: number): number {
  if (queued === 0) return 0;
  return Math.max(0, Math.min(queued, maxLeases - heldLeases) - requested);
}

export type Admission = { readonly admit: true } | { readonly admit: false; readonly reason: string };

/** Backpressure: past `maxPending` unfinished tasks, `remote()` refuses instead of growing memory without bound. */
export function admit(pending: number, maxPending: number): Admission {
  if (pending < maxPending) return { admit: true };
  return {
    admit: false,
    reason:
      `${pending} tasks are pending (limit maxPendingTasks = ${maxPending}); ` +
      `await some results (get/wait) before submitting more, or raise maxPendingTasks in connect()`,
  };
}
