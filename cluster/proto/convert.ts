/**
 * Proto ⇄ domain conversions, in named pairs that validate on the way in (Temporal's
 * compileRetryPolicy/decompileRetryPolicy). Nothing outside cluster/ sees proto types.
 */
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import { GROUP_STRATEGIES, type BundleRef, type GroupStrategy } from '../../scheduler/placement-groups.ts';
import type { PlacementGroupCreate, PlacementGroupCreate__Output } from './generated/convoy/v1/PlacementGroupCreate.ts';
import type { PlacementGroupState, PlacementGroupState__Output } from './generated/convoy/v1/PlacementGroupState.ts';
import type { SerializedError } from '../common/errors.ts';
import type { Resources, Resources__Output } from './generated/convoy/v1/Resources.ts';
import type { ErrorInfo, ErrorInfo__Output } from './generated/convoy/v1/ErrorInfo.ts';
import type { FunctionDescriptor, FunctionDescriptor__Output } from './generated/convoy/v1/FunctionDescriptor.ts';
import type { PlacementStrategy as ProtoStrategy } from './generated/convoy/v1/PlacementStrategy.ts';
import { z } from 'zod';
import { formatZodIssues } from '../common/zod-issues.ts';
import { TUNE_CURVE_POINTS, type ClusterStatus, type ClusterSummary, type NodeLoad, type NodeMemory, type ProgressReport, type StoredObject, type TaskCounts, type TaskEntry, type TuneRunSummary, type ActorInfo } from '../api/head-api.ts';
import type { TaskEvents, TaskEvents__Output } from './generated/convoy/v1/TaskEvents.ts';
import type { ActorStates, ActorStates__Output } from './generated/convoy/v1/ActorStates.ts';
import type { TuneReport, TuneReport__Output } from './generated/convoy/v1/TuneReport.ts';
import type { GetClusterStatusReply, GetClusterStatusReply__Output } from './generated/convoy/v1/GetClusterStatusReply.ts';
import type { Heartbeat, Heartbeat__Output } from './generated/convoy/v1/Heartbeat.ts';
import type { Lease, Lease__Output } from './generated/convoy/v1/Lease.ts';
import type { LeaseRequest, LeaseRequest__Output } from './generated/convoy/v1/LeaseRequest.ts';
import type { ListObjectsReply, ListObjectsReply__Output } from './generated/convoy/v1/ListObjectsReply.ts';
import type { Progress, Progress__Output } from './generated/convoy/v1/Progress.ts';
import type { RegisterNodeRequest, RegisterNodeRequest__Output } from './generated/convoy/v1/RegisterNodeRequest.ts';
import type { TaskCounts as ProtoTaskCounts, TaskCounts__Output } from './generated/convoy/v1/TaskCounts.ts';

export function compileResources(v: ResourceVector): Resources {
  return { amounts: { ...v } };
}

export function decompileResources(r: Resources__Output | null | undefined): ResourceVector {
  const out: Record<string, number> = {};
  for (const [k, v] of Object.entries(r?.amounts ?? {})) {
    if (!Number.isFinite(v) || v < 0) throw new TypeError(`resource ${k} has an invalid amount ${v}`);
    out[k] = v;
  }
  return out;
}

export function compileError(e: SerializedError): ErrorInfo {
  return {
    name: e.name,
    message: e.message,
    stack: e.stack,
    dataJson: e.data && Object.keys(e.data).length ? safeJson(e.data) : '',
    cause: e.cause ? compileError(e.cause) : null,
  };
}

export function decompileError(e: ErrorInfo__Output | null | undefined): SerializedError {
  if (!e) return { name: 'Error', message: 'unknown remote error', stack: '' };
  let data: Record<string, unknown> | undefined;
  if (e.dataJson) {
    try {
      data = JSON.parse(e.dataJson) as Record<string, unknown>;
    } catch {
      data = undefined;
    }
  }
  return { name: e.name || 'Error', message: e.message, stack: e.stack, data, cause: e.cause ? decompileError(e.cause) : undefined };
}

/** A task function as the domain knows it. */
export interface FunctionRef {
  readonly moduleUrl: string;
  readonly exportName: string;
  /** Set when the module lives in an uploaded job directory: workers resolve it in their copy. */
  readonly packageId?: string;
  readonly packagePath?: string;
}

export function compileFunction(f: FunctionRef): FunctionDescriptor {
  return { moduleUrl: f.moduleUrl, exportName: f.exportName, packageId: f.packageId ?? '', packagePath: f.packagePath ?? '' };
}

export function decompileFunction(f: FunctionDescriptor__Output | null | undefined): FunctionRef {
  if (!f || !f.exportName) throw new TypeError('function descriptor without an export name');
  if (!f.moduleUrl && !f.packageId) throw new TypeError(`function ${f.exportName} has neither a module URL nor a package`);
  if (f.packageId && (!f.packagePath || f.packagePath.startsWith('/') || f.packagePath.split('/').includes('..'))) {
    throw new TypeError(`function ${f.exportName} has an invalid package path "${f.packagePath}"`);
  }
  return {
    moduleUrl: f.moduleUrl,
    exportName: f.exportName,
    packageId: f.packageId || undefined,
    packagePath: f.packagePath || undefined,
  };
}

export function compileStrategy(s: PlacementStrategy): ProtoStrategy {
  return s === 'spread' ? 'SPREAD' : 'PACK';
}

export function decompileStrategy(s: string | undefined): PlacementStrategy {
  return s === 'SPREAD' ? 'spread' : 'pack';
}

// ---- head.proto: node registration and heartbeats ----

/** A worker as it registers with the head. */
export interface NodeRegistration {
  nodeId: string;
  address: string;
  total: ResourceVector;
  labels: Record<string, string>;
  hostname: string;
  pid: number;
}

export function compileNodeRegistration(n: NodeRegistration): RegisterNodeRequest {
  return { nodeId: n.nodeId, address: n.address, total: compileResources(n.total), labels: n.labels, hostname: n.hostname, pid: n.pid };
}

export function decompileNodeRegistration(r: RegisterNodeRequest__Output): NodeRegistration {
  const total = decompileResources(r.total);
  if (!r.nodeId || !r.address) throw new TypeError('nodeId and address are required');
  return { nodeId: r.nodeId, address: r.address, total, labels: r.labels, hostname: r.hostname, pid: r.pid };
}

export function compileNodeLoad(nodeId: string, l: NodeLoad): Heartbeat {
  return { nodeId, ...l };
}

export function decompileNodeLoad(hb: Heartbeat__Output): NodeLoad {
  return {
    queuedTasks: hb.queuedTasks,
    runningTasks: hb.runningTasks,
    storeUsedBytes: hb.storeUsedBytes,
    storeSpilledBytes: hb.storeSpilledBytes,
    storeObjects: hb.storeObjects,
    storeBudgetBytes: hb.storeBudgetBytes,
  };
}

// ---- head.proto: leases ----

/** What a client asks of the head: `count` leases of one resource shape. */
export interface LeaseDemand {
  requestId: number;
  resources: ResourceVector;
  count: number;
  strategy: PlacementStrategy;
  /** Locality: nodes holding the tasks' argument objects. */
  preferredNodes: string[];
  /** An actor lease: held for the actor's life, never revoked. */
  actor: boolean;
  description: string;
  /** Run in this placement group's bundle. */
  bundle?: BundleRef;
}

export function compileLeaseRequest(d: LeaseDemand): LeaseRequest {
  return {
    requestId: d.requestId,
    resources: compileResources(d.resources),
    count: d.count,
    strategy: compileStrategy(d.strategy),
    preferredNodes: d.preferredNodes,
    actor: d.actor,
    description: d.description,
    placementGroupId: d.bundle?.groupId ?? '',
    bundleIndex: d.bundle?.index ?? -1,
  };
}

export function decompileLeaseRequest(r: LeaseRequest__Output): LeaseDemand {
  const resources = decompileResources(r.resources);
  // A placement group's resources are asked for through its id, never by name: a client naming them would
  // take another group's reservation.
  const reserved = Object.keys(resources).find((k) => k.startsWith('_pg:'));
  if (reserved) throw new TypeError(`resource ${reserved} is a placement group's own: ask with placementGroup and bundleIndex instead`);
  if (r.placementGroupId && r.bundleIndex < -1) throw new TypeError(`bundle index ${r.bundleIndex} is invalid: use 0 or more, or -1 for any bundle`);
  return {
    requestId: Number(r.requestId),
    resources,
    count: r.count,
    strategy: decompileStrategy(r.strategy),
    preferredNodes: r.preferredNodes,
    actor: r.actor,
    description: r.description,
    ...(r.placementGroupId ? { bundle: { groupId: r.placementGroupId, index: r.bundleIndex } } : {}),
  };
}

/** What a client asks for when it creates a placement group. */
export interface PlacementGroupSpec {
  groupId: string;
  name: string;
  strategy: GroupStrategy;
  bundles: ResourceVector[];
}

export function compilePlacementGroupCreate(g: PlacementGroupSpec): PlacementGroupCreate {
  return { groupId: g.groupId, name: g.name, strategy: g.strategy, bundles: g.bundles.map(compileResources) };
}

export function decompilePlacementGroupCreate(m: PlacementGroupCreate__Output): PlacementGroupSpec {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(m.groupId)) throw new TypeError(`placement group id ${JSON.stringify(m.groupId.slice(0, 80))} is invalid: use 1-64 letters, digits, _ or -`);
  if (!(GROUP_STRATEGIES as readonly string[]).includes(m.strategy)) throw new TypeError(`placement group strategy ${JSON.stringify(m.strategy)} is unknown: use one of ${GROUP_STRATEGIES.join(', ')}`);
  if (m.bundles.length === 0) throw new TypeError('a placement group needs at least one bundle');
  const bundles = m.bundles.map(decompileResources);
  bundles.forEach((b, i) => {
    if (Object.values(b).every((x) => x === 0)) throw new TypeError(`bundle ${i} asks for no resources: give it some (e.g. {cpu: 1})`);
    const own = Object.keys(b).find((k) => k.startsWith('_'));
    if (own) throw new TypeError(`bundle ${i} names the runtime's own resource ${own}`);
  });
  return { groupId: m.groupId, name: m.name.slice(0, 200), strategy: m.strategy as GroupStrategy, bundles };
}

/** A placement group as its owner hears of it. */
export interface PlacementGroupNews {
  groupId: string;
  state: 'PENDING' | 'CREATED' | 'RESCHEDULING' | 'REMOVED';
  reason: string;
  nodes: string[];
  infeasible: boolean;
}

export function compilePlacementGroupState(n: PlacementGroupNews): PlacementGroupState {
  return { ...n, nodes: [...n.nodes] };
}

export function decompilePlacementGroupState(m: PlacementGroupState__Output): PlacementGroupNews {
  const state = ['PENDING', 'CREATED', 'RESCHEDULING', 'REMOVED'].includes(m.state) ? (m.state as PlacementGroupNews['state']) : 'PENDING';
  return { groupId: m.groupId, state, reason: m.reason, nodes: m.nodes, infeasible: m.infeasible };
}

/** A granted lease: a slot of `resources` on the node at `address`. */
export interface GrantedLease {
  leaseId: string;
  nodeId: string;
  address: string;
  resources: ResourceVector;
  gpuIds: readonly number[];
}

export function compileLease(l: GrantedLease): Lease {
  return { leaseId: l.leaseId, nodeId: l.nodeId, address: l.address, resources: compileResources(l.resources), gpuIds: [...l.gpuIds] };
}

export function decompileLease(l: Lease__Output): GrantedLease {
  return { leaseId: l.leaseId, nodeId: l.nodeId, address: l.address, resources: decompileResources(l.resources), gpuIds: l.gpuIds };
}

// ---- head.proto: what clients report ----

export function compileTaskCounts(byState: TaskCounts): ProtoTaskCounts {
  return { byState };
}

export function decompileTaskCounts(c: TaskCounts__Output): TaskCounts {
  return Object.fromEntries(Object.entries(c.byState).map(([k, v]) => [k, Number(v)]));
}

/** What an owner reports of one task attempt: a TaskEntry less the job, which the head knows from the session. */
export type TaskEvent = Omit<TaskEntry, 'jobId' | 'state'> & { state: 'running' | 'finished' | 'failed' };

/** Times travel as 0 when unknown (proto3 has no absent double); so does an empty error. */
export function compileTaskEvents(events: readonly TaskEvent[], dropped: number): TaskEvents {
  return {
    events: events.map((e) => ({
      taskId: e.taskId,
      name: e.name,
      state: e.state,
      nodeId: e.nodeId,
      attempt: e.attempt,
      submittedAt: e.submittedAt,
      startedAt: e.startedAt ?? 0,
      endedAt: e.endedAt ?? 0,
      error: e.error ?? '',
    })),
    dropped,
  };
}

const REPORTED_STATES = new Set(['running', 'finished', 'failed']);

/** The events of a report, less any whose state no owner sends (a newer or broken client): the head keeps only what it understands. */
export function decompileTaskEvents(m: TaskEvents__Output): { events: TaskEvent[]; dropped: number } {
  const events: TaskEvent[] = [];
  for (const e of m.events) {
    if (!REPORTED_STATES.has(e.state) || !e.taskId) continue;
    events.push({
      taskId: e.taskId,
      name: e.name,
      state: e.state as TaskEvent['state'],
      nodeId: e.nodeId,
      attempt: e.attempt,
      submittedAt: e.submittedAt,
      ...(e.startedAt ? { startedAt: e.startedAt } : {}),
      ...(e.endedAt ? { endedAt: e.endedAt } : {}),
      ...(e.error ? { error: e.error } : {}),
    });
  }
  return { events, dropped: Number(m.dropped) };
}

/** An owner's report of its actors: an ActorInfo less what the head knows from the session. */
export type ActorReport = Omit<ActorInfo, 'owner' | 'jobId'>;

export function compileActorStates(actors: readonly ActorReport[]): ActorStates {
  return {
    actors: actors.map((a) => ({
      actorId: a.actorId,
      className: a.className,
      name: a.name ?? '',
      state: a.state,
      nodeId: a.nodeId,
      restarts: a.restarts,
      pendingCalls: a.pendingCalls,
      resources: compileResources(a.resources),
      deathReason: a.deathReason ?? '',
    })),
  };
}

/** Strings are cut to size: a report is shown as it is, and a broken client must not grow the head. */
export function decompileActorStates(m: ActorStates__Output): ActorReport[] {
  const cut = (s: string, n = 200) => s.slice(0, n);
  return m.actors.map((a) => ({
    actorId: cut(a.actorId),
    className: cut(a.className),
    ...(a.name ? { name: cut(a.name) } : {}),
    state: cut(a.state, 20),
    nodeId: cut(a.nodeId),
    restarts: a.restarts,
    pendingCalls: a.pendingCalls,
    resources: decompileResources(a.resources),
    ...(a.deathReason ? { deathReason: cut(a.deathReason, 2000) } : {}),
  }));
}

/** Unknown ETA travels as a negative number, the extras as a small JSON object. */
export function compileProgress(p: Omit<ProgressReport, 'extra'> & { extra?: Record<string, unknown> }): Progress {
  return { id: p.id, label: p.label, done: p.done, total: p.total, rate: p.rate, etaS: p.etaS ?? -1, extraJson: p.extra ? JSON.stringify(p.extra) : '' };
}

/** Extras that are not a JSON object are dropped, not refused: the bar still shows. */
export function decompileProgress(p: Progress__Output): Omit<ProgressReport, 'extra'> & { extra?: Record<string, unknown> } {
  let extra: Record<string, unknown> | undefined;
  try {
    extra = p.extraJson ? (JSON.parse(p.extraJson) as Record<string, unknown>) : undefined;
  } catch {
    extra = undefined;
  }
  return { id: p.id, label: p.label, done: p.done, total: p.total, rate: p.rate, etaS: p.etaS < 0 ? null : p.etaS, extra };
}

// ---- head.proto: tune reports ----

export function compileTuneReport(run: TuneRunSummary): TuneReport {
  return { runJson: JSON.stringify(run) };
}

const TUNE_RUN_SCHEMA = z.object({
  name: z.string().min(1).max(200),
  jobId: z.string().max(200),
  metric: z.string().max(200),
  mode: z.enum(['min', 'max']),
  status: z.string().max(40),
  trials: z
    .array(
      z.object({
        trialId: z.string().max(200),
        config: z.record(z.string(), z.unknown()),
        status: z.string().max(40),
        metrics: z.record(z.string(), z.number()),
        iterations: z.number().int().nonnegative(),
        curve: z.array(z.tuple([z.number().int().nonnegative(), z.number()])).max(TUNE_CURVE_POINTS).optional(),
        error: z.string().max(4000).optional(),
      }),
    )
    .max(100_000),
  startedAt: z.number(),
  updatedAt: z.number(),
});

/** A client's tune report, checked: the head keeps it, so a malformed one is refused, not stored. */
export function decompileTuneReport(r: TuneReport__Output): TuneRunSummary {
  let parsed: unknown;
  try {
    parsed = JSON.parse(r.runJson);
  } catch (err) {
    throw new TypeError(`tune report is not JSON: ${(err as Error).message}`);
  }
  const out = TUNE_RUN_SCHEMA.safeParse(parsed);
  if (!out.success) throw new TypeError(`malformed tune report: ${formatZodIssues(out.error.issues, { root: '(report)' }).join('; ')}`);
  return out.data as TuneRunSummary;
}

// ---- head.proto: status ----

export function compileClusterStatus(s: ClusterStatus): GetClusterStatusReply {
  return {
    nodes: s.nodes.map((n) => ({
      nodeId: n.nodeId,
      address: n.address,
      state: n.state,
      total: compileResources(n.total),
      available: compileResources(n.available),
      lastHeartbeatMs: n.lastHeartbeat,
      hostname: n.hostname,
      pid: n.pid,
      deadReason: n.deadReason ?? '',
      labels: n.labels,
      load: n.load ? compileNodeLoad(n.nodeId, n.load) : null,
    })),
    tasksByState: s.tasksByState,
    pending: s.pending.map((p) => ({
      clientId: p.clientId,
      resources: compileResources(p.resources),
      count: p.count,
      description: p.description,
      infeasible: p.infeasible,
      reason: p.reason,
      sinceMs: p.since,
    })),
    clients: s.clients,
    leases: s.leases,
    startedAtMs: s.startedAt,
    version: s.version,
    objects: s.objects.count,
    objectBytes: s.objects.bytes,
    httpAddress: s.httpAddress,
  };
}

/** The status as a client shows it; resource names starting with `_` are internal and left out. */
export function decompileClusterStatus(s: GetClusterStatusReply__Output): ClusterSummary {
  const vec = (r: Resources__Output | null | undefined) => Object.fromEntries(Object.entries(r?.amounts ?? {}).filter(([k]) => !k.startsWith('_')));
  return {
    nodes: s.nodes.map((n) => ({
      nodeId: n.nodeId,
      address: n.address,
      state: n.state,
      total: vec(n.total),
      available: vec(n.available),
      deadReason: n.deadReason,
      queuedTasks: n.load?.queuedTasks ?? 0,
      runningTasks: n.load?.runningTasks ?? 0,
      storeUsedBytes: Number(n.load?.storeUsedBytes ?? 0),
      storeObjects: n.load?.storeObjects ?? 0,
      lastHeartbeat: Number(n.lastHeartbeatMs),
    })),
    tasksByState: Object.fromEntries(Object.entries(s.tasksByState).map(([k, v]) => [k, Number(v)])),
    pending: s.pending.map((p) => ({ description: p.description, count: p.count, infeasible: p.infeasible, reason: p.reason, resources: vec(p.resources) })),
    clients: s.clients,
    leases: s.leases,
    objects: s.objects,
    objectBytes: Number(s.objectBytes),
  };
}

// ---- worker.proto: a node's object listing (`convoy memory`) ----

/** A node's listing: its objects as it knows them (whether each owner is connected is for the head to add). */
export function compileObjectListing(m: Omit<NodeMemory, 'address' | 'error' | 'objects'> & { objects: Omit<StoredObject, 'ownerConnected'>[] }): ListObjectsReply {
  return {
    nodeId: m.nodeId,
    stats: m.stats ?? null,
    objects: m.objects.map((o) => ({ objectId: o.objectId, size: o.size, owner: o.owner, secondary: o.secondary, place: o.place, pins: o.pins })),
  };
}

/** `ownerConnected` is the head's knowledge, not the node's: it says which owners have a live session. */
export function decompileObjectListing(
  r: ListObjectsReply__Output,
  node: { nodeId: string; address: string },
  ownerConnected: (owner: string) => boolean,
): NodeMemory {
  return {
    nodeId: node.nodeId,
    address: node.address,
    stats: r.stats ?? undefined,
    objects: r.objects.map((o) => ({ ...o, size: Number(o.size), ownerConnected: ownerConnected(o.owner) })),
  };
}

function safeJson(v: unknown): string {
  try {
    return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  } catch {
    return '';
  }
}
