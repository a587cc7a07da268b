/**
 * The head's HTTP and ws contract: the JSON that `/api/status`, `/api/memory`, `/api/progress`, `/api/jobs`
 * and the `/api/events` feed carry. The head produces these shapes, the CLI and the client read them, and
 * the dashboard's script names them in its JSDoc (`// @ts-check`), so a field renamed here fails the
 * typecheck of all three instead of showing `undefined` on a page.
 *
 * Types, plus the task-state list and the drained reason that the head and the CLI share; it imports nothing
 * but the scheduler's resource vector, so the browser script can name it too.
 */
import type { ResourceVector } from '../../scheduler/resources.ts';

/** A task's states as owners count them, in the order a task goes through them. */
export const TASK_STATES = ['pending_args', 'queued', 'running', 'finished', 'failed', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
/** Task counts by state; the head sums what each client reports (and keeps what departed clients finished). */
export type TaskCounts = Record<string, number>;

// ---- status (GET /api/status, `convoy status --json`) ----

/** What a node's heartbeat reports about its queue and object store. */
export interface NodeLoad {
  queuedTasks: number;
  /** Tasks running, and actor calls not answered yet. */
  runningTasks: number;
  storeUsedBytes: number;
  storeSpilledBytes: number;
  storeObjects: number;
  storeBudgetBytes: number;
}

/** `draining`: alive, taking no new work, and leaving once its running work is done (`convoy drain`). */
export type NodeState = 'alive' | 'draining' | 'dead';

/** The dead reason of a node that finished its drain (it may carry more after a colon: what its deadline stopped). */
export const DRAINED_REASON = 'drained';

/** Whether a dead node's reason says it left by a drain. */
export function isDrainedReason(deadReason: string | undefined): boolean {
  return deadReason === DRAINED_REASON || !!deadReason?.startsWith(`${DRAINED_REASON}:`);
}

/** A drain in progress (`convoy drain`, POST /api/nodes/NODE/drain). */
export interface NodeDrainStatus {
  /** When it was asked for (ms since the epoch). */
  since: number;
  /** When what still runs is stopped (ms since the epoch); absent: no deadline. */
  deadline?: number;
  reason: string;
  /** The node's leases not returned yet (actor leases excluded): each is finishing its in-flight tasks. */
  leasesLeft: number;
}

export interface NodeStatus {
  nodeId: string;
  address: string;
  state: NodeState;
  total: ResourceVector;
  available: ResourceVector;
  /** When the head last heard from the node (ms since the epoch). */
  lastHeartbeat: number;
  hostname: string;
  pid: number;
  deadReason?: string;
  labels: Record<string, string>;
  load?: NodeLoad;
  /**
   * What holds the node's resources, alive nodes only: task leases (their tasks are `load.runningTasks`) and
   * actors (a tune trial, a trainer): an actor holds its CPUs between calls, when no task runs.
   */
  holders?: { taskLeases: number; actors: number };
  /** While it drains. */
  drain?: NodeDrainStatus;
}

/** A lease request still waiting: why work is not starting. */
export interface PendingStatus {
  clientId: string;
  resources: ResourceVector;
  count: number;
  description: string;
  /** No node can ever satisfy it (it is also in `warnings`). */
  infeasible: boolean;
  reason: string;
  /** When it was first asked (ms since the epoch). */
  since: number;
}

export interface ObjectTotals {
  count: number;
  bytes: number;
}

export interface ClusterStatus {
  address: string;
  httpAddress: string;
  version: string;
  startedAt: number;
  nodes: NodeStatus[];
  resources: { total: ResourceVector; used: ResourceVector };
  tasksByState: TaskCounts;
  pending: PendingStatus[];
  warnings: string[];
  clients: number;
  leases: number;
  objects: ObjectTotals;
  jobs: JobInfo[];
  placementGroups: PlacementGroupInfo[];
}

/** POST /api/nodes/NODE/drain: NODE is a node id, a unique prefix of one, or a node's address. */
export interface DrainRequest {
  /** Seconds from now after which whatever still runs is stopped (its owners retry it elsewhere); absent: none. */
  deadlineS?: number;
  /** Who asks, or why (shown in status). @default 'convoy drain' */
  reason?: string;
}

// ---- status as a client sees it (GetClusterStatus over gRPC, `Cluster.status()`) ----

export interface NodeSummary {
  nodeId: string;
  address: string;
  state: string;
  total: ResourceVector;
  available: ResourceVector;
  deadReason: string;
  queuedTasks: number;
  runningTasks: number;
  storeUsedBytes: number;
  storeObjects: number;
  /** When the head last heard from the node (ms since the epoch). */
  lastHeartbeat: number;
}

export interface ClusterSummary {
  nodes: NodeSummary[];
  tasksByState: TaskCounts;
  pending: { description: string; count: number; infeasible: boolean; reason: string; resources: ResourceVector }[];
  clients: number;
  leases: number;
  objects: number;
  objectBytes: number;
}

// ---- jobs (GET/POST /api/jobs, /api/jobs/ID, /api/jobs/ID/stop) ----

export const JOB_STATUSES = ['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'STOPPED'] as const;
export type JobStatus = (typeof JOB_STATUSES)[number];

export interface JobInfo {
  /** The submission id when one was given, else a generated `job_YYYYMMDD_xxxx`. */
  jobId: string;
  status: JobStatus;
  entrypoint: string[];
  packageId?: string;
  /** Names of the environment variables it was given (never their values). */
  envVars: string[];
  /** Where its packages come from: the cluster's install, Convoy only, or `npm ci` of its lockfile. */
  dependencies: { source: 'cluster' | 'convoy-only' | 'lockfile'; key?: string; installed?: boolean };
  startTime: number;
  endTime?: number;
  exitCode?: number | null;
  message?: string;
}

/** The body of POST /api/jobs. */
export interface SubmitJobRequest {
  entrypoint: string[];
  packageId?: string;
  env?: Record<string, string>;
  submissionId?: string;
}

/** The answer to POST /api/jobs: the job, marked `existing` when its submission id was already used. */
export type SubmitJobReply = JobInfo & { existing?: boolean };

/** The answer to POST /api/packages. */
export interface StoredPackage {
  id: string;
  files: number;
  bytes: number;
}

// ---- memory (GET /api/memory, `convoy memory --json`) ----

/** One node's object store, as its ListObjects answer reports it. */
export interface StoreStats {
  objects: number;
  /** Bytes held in memory (counted against the budget). */
  usedBytes: number;
  /** Bytes of objects that live only on disk or in the second tier right now. */
  spilledBytes: number;
  spilledObjects: number;
  /** Bytes in the local spill folder (includes files of objects that are also back in memory). */
  diskBytes: number;
  budgetBytes: number;
  pinnedBytes: number;
  /** Freed memory kept for reuse, and how many buffers came from it or were new (BufferPool). */
  reusableBytes: number;
  reusedBuffers: number;
  freshBuffers: number;
  /** Buffers lent to pool threads, not given back yet. */
  lentBuffers: number;
}

export interface StoredObject {
  objectId: string;
  size: number;
  owner: string;
  /** Whether the owner's session is connected now (a gone owner's objects are about to be freed). */
  ownerConnected: boolean;
  /** A copy pulled from another node, not the primary. */
  secondary: boolean;
  /** memory | spilling | disk | remote */
  place: string;
  pins: number;
}

export interface NodeMemory {
  nodeId: string;
  address: string;
  /** Set when the node did not answer. */
  error?: string;
  stats?: StoreStats;
  objects: StoredObject[];
}

export interface MemoryReport {
  nodes: NodeMemory[];
  /** What the head's object directory knows of. */
  directory: ObjectTotals;
}

// ---- progress (POST /api/progress, the client session's progress message) ----

export interface ProgressReport {
  /** Stable id: reports with the same id update one bar. */
  id: string;
  label: string;
  done: number;
  total: number;
  /** Units per second. */
  rate: number;
  /** Seconds left, or null when unknown. */
  etaS: number | null;
  /** A few extra figures, e.g. `{ apiRequests: 120, costUsd: 0.6 }`. */
  extra?: Record<string, number | string>;
}

// ---- tune runs (GET /api/tune-runs, the client session's tune report) ----

/** A tune run as its driver last reported it: kept in the head's history, listed after the driver is gone. */
export interface TuneRunSummary {
  name: string;
  jobId: string;
  metric: string;
  mode: 'min' | 'max';
  /** running | finished | failed, or interrupted: its job ended before the driver reported the run's end. */
  status: string;
  trials: TuneTrialSummary[];
  startedAt: number;
  updatedAt: number;
}

export interface TuneTrialSummary {
  trialId: string;
  config: Record<string, unknown>;
  /** pending | running | terminated | stopped | error */
  status: string;
  /** The trial's last reported metrics. */
  metrics: Record<string, number>;
  iterations: number;
  /**
   * The learning curve: `[iteration, the run's metric]` for each iteration that reported it, oldest first. At
   * most TUNE_CURVE_POINTS pairs: a longer trial keeps evenly spaced iterations, its first and last always.
   */
  curve?: [number, number][];
  error?: string;
}

/** The most points a trial's learning curve keeps in a tune report. */
export const TUNE_CURVE_POINTS = 200;

/** GET /api/history: finished work the head keeps across restarts (jobs are GET /api/jobs). */
export interface HistoryReport {
  /** Task totals of gone clients, per job ('' for drivers outside a job), least recently updated first. */
  taskSummaries: { jobId: string; counts: TaskCounts; updatedAt: number }[];
  /** Most recently reported first. */
  tuneRuns: TuneRunSummary[];
}

// ---- the head's recent history for charts (GET /api/series) ----

/**
 * GET /api/series: what the head sampled every `intervalMs` (at most `capacity` samples, oldest first), as
 * columns: every array has one entry per time in `t`.
 */
export interface SeriesReport {
  intervalMs: number;
  capacity: number;
  /** When each sample was taken (ms since the epoch). */
  t: number[];
  /** Task counts at each sample, summed as in status (finished and failed only grow while the head runs). */
  tasks: { finished: number[]; failed: number[]; running: number[]; queued: number[] };
  nodes: NodeSeries[];
  progress: ProgressSeries[];
}

/** One node over time; null where it was not alive (or not yet registered). Memory is in bytes. */
export interface NodeSeries {
  nodeId: string;
  address: string;
  cpuUsed: (number | null)[];
  cpuTotal: (number | null)[];
  memoryUsed: (number | null)[];
  memoryTotal: (number | null)[];
  gpuUsed: (number | null)[];
  gpuTotal: (number | null)[];
  storeUsedBytes: (number | null)[];
  storeBudgetBytes: (number | null)[];
  storeSpilledBytes: (number | null)[];
}

/** One progress bar over time; null where it was not reported. `label` and `total` are its latest. */
export interface ProgressSeries {
  id: string;
  label: string;
  total: number;
  done: (number | null)[];
}

// ---- the task log (GET /api/tasks, GET /api/timeline, `convoy timeline`) ----

/**
 * Where a task is, as the head's task log knows it: `running` from when its owner pushed it to a worker,
 * then `finished` or `failed` (`lost`: its owner went away before the result came back).
 */
export const TASK_LOG_STATES = ['running', 'finished', 'failed', 'lost'] as const;
export type TaskLogState = (typeof TASK_LOG_STATES)[number];

/** One task attempt in the head's task log: what owners report, in batches, about the tasks they push. */
export interface TaskEntry {
  taskId: string;
  /** The job of the owner that submitted it; '' for a driver outside any job. */
  jobId: string;
  /** The function's export name, or `Class.method` for an actor call. */
  name: string;
  state: TaskLogState;
  nodeId: string;
  attempt: number;
  /** When its owner submitted it (ms since the epoch, the owner's clock). */
  submittedAt: number;
  /** When it began running on its worker (ms since the epoch): the result's arrival less its run time. */
  startedAt?: number;
  endedAt?: number;
  error?: string;
}

/** GET /api/tasks?state=&name=&job=&limit=&before=: the newest matching tasks first. */
export interface TaskPage {
  tasks: TaskEntry[];
  /** How many kept tasks match the filter (this page is at most `limit` of them). */
  matching: number;
  /** The `before` value for the next (older) page; absent on the last page. */
  next?: string;
  /** How many tasks the log holds now, and its bound (`--max-task-log`); older ones were dropped. */
  kept: number;
  limit: number;
  /** Tasks dropped: the oldest beyond the bound, and reports owners shed when they ran faster than the log takes. */
  dropped: number;
  /** Kept tasks by function and state, for the filter's choices. */
  byName: { name: string; counts: Partial<Record<TaskLogState, number>> }[];
}

// ---- logs (GET /api/logs…, `convoy logs`) ----

/** A log file a process serves, by name (never by path): `head`, or a node's `node` and `tasks`. */
export interface LogFileEntry {
  name: string;
  bytes: number;
}

/** A node's log files; a node that did not answer has `error` and no files. */
export interface NodeLogEntry {
  nodeId: string;
  address: string;
  files: LogFileEntry[];
  error?: string;
}

/** GET /api/logs: what `convoy logs` can show (live nodes only: a dead node's files stay on its machine). */
export interface LogListing {
  head: LogFileEntry;
  nodes: NodeLogEntry[];
  jobs: { jobId: string; status: JobStatus }[];
}

/**
 * One line a task or actor printed, as GET /api/logs/tasks/ID and /api/logs/actors/ID return them (one JSON
 * object a line, oldest first): pino's shape, level 30 for stdout and 50 for stderr.
 */
export interface TaskLogLine {
  time: number;
  level: number;
  nodeId: string;
  pid: number;
  /** The task, or the actor method call; absent for what an actor's constructor printed. */
  taskId?: string;
  actorId?: string;
  /** The job of the task's owner (of the actor's creator), when it runs under one. */
  jobId?: string;
  stream: 'stdout' | 'stderr';
  msg: string;
}

// ---- actors (GET /api/actors) ----

/** An actor as its owner last reported it (owners send their actors' states when they change). */
export interface ActorInfo {
  actorId: string;
  /** The class's export name, and the name the actor was given, if any. */
  className: string;
  name?: string;
  /** pending | starting | alive | restarting | dead */
  state: string;
  /** Where its current instance runs ('' while it has none). */
  nodeId: string;
  restarts: number;
  /** Calls queued or sent and not answered yet. */
  pendingCalls: number;
  resources: Record<string, number>;
  deathReason?: string;
  owner: string;
  jobId: string;
}

// ---- placement groups (GET /api/placement-groups; `convoy placement-groups`) ----

/** A placement group as the head holds it: its bundles, where each went, and why it waits if it does. */
export interface PlacementGroupInfo {
  groupId: string;
  name: string;
  /** PENDING (not every bundle has a node yet) | CREATED | RESCHEDULING (a node holding bundles died) */
  state: string;
  strategy: string;
  bundles: Record<string, number>[];
  /** The node of each bundle ('' while it has none). */
  nodes: string[];
  /** What it waits for, or what the cluster lacks; absent once placed. */
  reason?: string;
  /** No node layout could hold it even on an idle cluster: it waits for nodes to be added. */
  infeasible: boolean;
  /** Leases (tasks' slots and actors) held in its bundles now. */
  leases: number;
  owner: string;
  jobId: string;
  createdAt: number;
  placedAt?: number;
}

// ---- models (GET /api/models, when the head knows the registry: convoy start --head --registry) ----

export interface ModelVersionSummary {
  version: number;
  promoted: boolean;
  createdAt: string;
  pipeline: string;
  horizonsMin: number[];
  /** The version's registered metrics that are numbers, nested keys joined with dots (`test.model.mae`). */
  metrics: Record<string, number>;
}

export interface ModelSummary {
  name: string;
  /** Versions registered; `latest` holds the newest few. */
  versions: number;
  promoted?: number;
  latest: ModelVersionSummary[];
}

export interface ModelsReport {
  /** Where the registry is, or null when the head was not given one. */
  registry: string | null;
  models: ModelSummary[];
}

// ---- the event feed (ws /api/events) ----

/** What the head publishes on its live feed: node up/down, job state, warnings, progress. */
export type ClusterEvent =
  | { type: 'node'; nodeId: string; state: NodeState; reason?: string }
  | { type: 'job'; jobId: string; status: JobStatus }
  | { type: 'warning'; message: string }
  | ({ type: 'progress' } & Omit<ProgressReport, 'extra'> & { extra?: Record<string, unknown> })
  /** A progress bar is over: its driver has gone, or it was not updated for a long time. */
  | { type: 'progress-end'; id: string; reason: string };

/** One ws message: an event with the head's clock when it was published (ms since the epoch). */
export type FeedEvent = ClusterEvent & { ts: number };

/** The body of every error answer. */
export interface ErrorReply {
  error: string;
  name?: string;
  limitBytes?: number;
}
