/** The cluster's status as one plain object: what `convoy status --json`, the HTTP API and the dashboard show. */
import { isInternalResource, subtract, type ResourceVector } from '../../scheduler/resources.ts';
import type { ClusterStatus, JobInfo, NodeStatus, ObjectTotals, PendingStatus, PlacementGroupInfo, TaskCounts } from '../api/head-api.ts';
import type { LeaseRecord, NodeRecord } from './control/records.ts';
import type { DemandRecord } from './lease-manager.ts';

/** Internal bookkeeping resources stay out of what users see. */
function visible(v: ResourceVector): ResourceVector {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !isInternalResource(k)));
}

/** Failed jobs named among the warnings, most recent first; the rest are counted. */
const FAILED_JOBS_SHOWN = 5;

function holdersOf(nodeId: string, leases: readonly LeaseRecord[]): { taskLeases: number; actors: number } {
  let taskLeases = 0;
  let actors = 0;
  for (const l of leases) {
    if (l.nodeId !== nodeId) continue;
    if (l.actor) actors++;
    else taskLeases++;
  }
  return { taskLeases, actors };
}

export function buildStatus(input: {
  nodes: NodeRecord[];
  demands: DemandRecord[];
  leases: LeaseRecord[];
  clients: { clientId: string; kind: string; counts: TaskCounts }[];
  retiredCounts: TaskCounts;
  objects: ObjectTotals;
  jobs: JobInfo[];
  placementGroups: PlacementGroupInfo[];
  startedAt: number;
  address: string;
  httpAddress: string;
  version: string;
}): ClusterStatus {
  const nodes: NodeStatus[] = input.nodes.map((n) => ({
    nodeId: n.nodeId,
    address: n.address,
    state: !n.alive ? 'dead' : n.draining ? 'draining' : 'alive',
    total: visible(n.total),
    available: visible(n.alive ? subtract(n.total, n.leased) : {}),
    lastHeartbeat: n.lastHeartbeat,
    hostname: n.hostname,
    pid: n.pid,
    deadReason: n.deadReason,
    labels: n.labels,
    load: n.load,
    ...(n.alive ? { holders: holdersOf(n.nodeId, input.leases) } : {}),
    ...(n.alive && n.draining
      ? { drain: { ...n.draining, leasesLeft: input.leases.filter((l) => l.nodeId === n.nodeId && !l.actor).length } }
      : {}),
  }));
  const total: Record<string, number> = {};
  const used: Record<string, number> = {};
  for (const n of input.nodes) {
    if (!n.alive) continue;
    for (const [k, v] of Object.entries(visible(n.total))) total[k] = (total[k] ?? 0) + v;
    for (const [k, v] of Object.entries(visible(n.leased))) used[k] = (used[k] ?? 0) + v;
  }
  const tasksByState: TaskCounts = { ...input.retiredCounts };
  for (const c of input.clients) for (const [k, v] of Object.entries(c.counts)) tasksByState[k] = (tasksByState[k] ?? 0) + v;
  const pending: PendingStatus[] = input.demands.map((d) => ({
    clientId: d.clientId,
    resources: visible(d.resources),
    count: d.remaining,
    description: d.description,
    infeasible: d.infeasible !== undefined,
    reason: d.infeasible ?? d.waiting ?? '',
    since: d.since,
  }));
  const warnings = pending
    .filter((p) => p.infeasible)
    .map((p) => `${p.count} pending ${p.description || 'task'}(s) can never be scheduled: ${p.reason}`);
  for (const g of input.placementGroups.filter((x) => x.infeasible)) warnings.push(`placement group ${g.groupId}${g.name ? ` "${g.name}"` : ''} cannot be placed: ${g.reason ?? ''}`);
  // Failures are warnings too: a page that says "no warnings" while work failed is wrong.
  const failedTasks = tasksByState.failed ?? 0;
  if (failedTasks > 0) warnings.push(`${failedTasks} task(s) failed after their retries; their drivers got the errors`);
  const failedJobs = input.jobs.filter((j) => j.status === 'FAILED').sort((a, b) => (b.endTime ?? 0) - (a.endTime ?? 0));
  for (const j of failedJobs.slice(0, FAILED_JOBS_SHOWN)) warnings.push(`job ${j.jobId} failed: ${j.message ?? 'no message'} (convoy job logs ${j.jobId})`);
  if (failedJobs.length > FAILED_JOBS_SHOWN) warnings.push(`${failedJobs.length - FAILED_JOBS_SHOWN} more failed job(s): convoy job list`);
  return {
    address: input.address,
    httpAddress: input.httpAddress,
    version: input.version,
    startedAt: input.startedAt,
    nodes,
    resources: { total, used },
    tasksByState,
    pending,
    warnings,
    clients: input.clients.length,
    leases: input.leases.length,
    objects: input.objects,
    jobs: input.jobs,
    placementGroups: input.placementGroups,
  };
}
