/**
 * The records of the control store's tables (control-store.ts). Each is plain data that survives a JSON
 * round trip, so any backend can keep it; ids are the tables' keys.
 */
import type { ResourceVector } from '../../../scheduler/resources.ts';
import type { BundleRef, GroupStrategy } from '../../../scheduler/placement-groups.ts';
import type { JobInfo, NodeLoad, TaskCounts, TuneRunSummary } from '../../api/head-api.ts';

export interface NodeRecord {
  readonly nodeId: string;
  address: string;
  total: ResourceVector;
  /** Sum of the resources of the leases granted on this node. */
  leased: ResourceVector;
  labels: Record<string, string>;
  hostname: string;
  pid: number;
  alive: boolean;
  deadReason?: string;
  registeredAt: number;
  lastHeartbeat: number;
  load?: NodeLoad;
  /** GPU indices not held by a lease or a placement group's bundle. */
  freeGpus: number[];
  /** What the placement groups' bundles placed here add, for work in those groups (scheduler/placement-groups.ts). */
  groups?: ResourceVector;
  /** Bumped on every (re)registration, so a stale session's end does not kill a fresh one. */
  generation: number;
  /** Set by `convoy drain` until the node has gone: it gets no new leases (see head/node-drains.ts). */
  draining?: NodeDrain;
}

export interface NodeDrain {
  /** When the drain was asked for (ms since the epoch). */
  since: number;
  /** When whatever still runs is stopped (ms since the epoch); none: wait as long as it takes. */
  deadline?: number;
  /** Who asked, or why (shown in status). */
  reason: string;
}

export interface LeaseRecord {
  readonly leaseId: string;
  readonly clientId: string;
  readonly nodeId: string;
  /** What the lease holds, as its requester asked. */
  readonly resources: ResourceVector;
  /** Where the lease runs in a placement group's bundle: what it took from the node (its bundle's keys). */
  readonly bundle?: BundleRef;
  readonly reserved?: ResourceVector;
  readonly gpuIds: readonly number[];
  readonly actor: boolean;
  revoking: boolean;
  readonly grantedAt: number;
}

/**
 * A placement group (head/placement-group-table.ts): bundles reserved all or nothing. `PENDING` until every
 * bundle has a node; `CREATED` while they do; `RESCHEDULING` when a node holding some died and they wait to be
 * placed again. A removed group is deleted.
 */
export interface PlacementGroupRecord {
  readonly groupId: string;
  readonly name: string;
  /** The client that created it: the group goes when that client does. */
  readonly clientId: string;
  readonly jobId: string;
  readonly strategy: GroupStrategy;
  readonly bundles: ResourceVector[];
  state: 'PENDING' | 'CREATED' | 'RESCHEDULING';
  /** The node of each bundle ('' while it has none). */
  nodes: string[];
  /** The GPU indices each bundle holds on its node. */
  gpuIds: number[][];
  /** Why it is not placed (yet): what it waits for, or what the cluster lacks. */
  reason?: string;
  /** True when no node layout could hold it even on an idle cluster. */
  infeasible?: boolean;
  readonly createdAt: number;
  placedAt?: number;
}

export interface ObjectRecord {
  readonly objectId: string;
  /** Nodes holding a copy (no duplicates). */
  nodes: string[];
  size: number;
  owner: string;
}

export interface ClientRecord {
  readonly clientId: string;
  /** driver | job | task */
  readonly kind: string;
  readonly jobId: string;
  /** False while its session is broken and it may come back within its grace period. */
  attached: boolean;
  /** Its latest task counts by state. */
  counts: TaskCounts;
  readonly connectedAt: number;
}

export interface JobRecord {
  info: JobInfo;
  /** Hash of what was submitted, to tell a repeated submission from a different one under the same id. */
  readonly fingerprint: string;
  readonly logPath: string;
  /** The process that runs its driver, once started: how a restarted head finds it again. */
  supervisor?: JobSupervisorRecord;
}

/** A job supervisor (head/jobs/job-supervisor.mjs), which outlives the head that started it. */
export interface JobSupervisorRecord {
  readonly pid: number;
  /** Tells it apart from a later process given the same pid (head/jobs/process-identity.mjs). */
  readonly identity: string;
}

export interface TaskSummaryRecord {
  readonly jobId: string;
  /** Task counts by state, summed over the job's clients that have gone. */
  counts: TaskCounts;
  /** When the last of them went. */
  updatedAt: number;
}

/** A tune run, as its driver last reported it (the shape the HTTP API lists). */
export type TuneRunRecord = TuneRunSummary;

export interface HeadRecord {
  /** sha256 of the cluster token, so a head started on this store with another token is refused. */
  tokenHash: string;
  sessionDir: string;
  address: string;
  httpAddress: string;
  startedAt: number;
  /** False from start until a clean close: a head that finds it false resumes a crashed one. */
  closedCleanly: boolean;
}
