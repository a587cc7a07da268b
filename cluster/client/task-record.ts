/** What the owner keeps for each task or actor call until its result is settled. */
import type { FunctionRef } from '../proto/convert.ts';
import type { Arg } from '../proto/generated/convoy/v1/Arg.ts';
import type { CompiledTaskOptions } from './options.ts';
import type { ArgScan } from './args.ts';
import type { HeldLease, LeasePool } from './lease-pool.ts';

/**
 * Where a task stands. Only the task manager changes it (task-manager.ts has the transitions and the count
 * each state is kept in).
 * - `new`: made, not yet submitted (an actor's constructor arguments ride a record that stays here).
 * - `deps`: waiting for its ObjectRef arguments.
 * - `queued`: in a lease pool, waiting for a slot.
 * - `backoff`: waiting out the delay before a retry.
 * - `running`: sent to a worker.
 * - `actor-queued`: an actor call waiting for its arguments or its actor.
 * - `finished`, `failed`, `cancelled`: settled.
 */
export type TaskState = 'new' | 'deps' | 'queued' | 'backoff' | 'running' | 'actor-queued' | 'finished' | 'failed' | 'cancelled';

export const SETTLED_STATES: ReadonlySet<TaskState> = new Set<TaskState>(['finished', 'failed', 'cancelled']);

export function isSettled(task: { readonly state: TaskState }): boolean {
  return SETTLED_STATES.has(task.state);
}

export interface TaskRecord {
  readonly taskId: string;
  readonly name: string;
  readonly fn?: FunctionRef;
  readonly fnKey?: string;
  readonly opts: CompiledTaskOptions;
  readonly rawArgs: readonly unknown[];
  readonly scan: ArgScan;
  /** Encoded once its dependencies are ready (re-encoded if a dependency is rebuilt). */
  args?: Arg[];
  /** Node holding most of its argument bytes ('' when none). */
  preferredNode: string;
  /** 0 for the first attempt; echoed by the worker so late replies of an earlier attempt are ignored. */
  attempt: number;
  state: TaskState;
  /** The lease pool of its resource shape, once submitted (the task submitter's). */
  pool?: LeasePool<TaskRecord>;
  /** The lease it runs on, while running (the task submitter's). */
  held?: HeldLease;
  /** Its ObjectRef arguments are counted as in use (kept alive) until it settles. */
  usesHeld?: boolean;
  /** When it was submitted (ms since the epoch): the task log's and timeline's start of its wait. */
  readonly submittedAt: number;
  /** While an attempt runs: when it was pushed, and to which node (the task log's, task-events.ts). */
  dispatchedAt?: number;
  nodeId?: string;
  /** The worker's time in the function for the attempt that just answered. */
  runMicros?: number;
  /** Set for actor method calls. */
  readonly actorId?: string;
  readonly method?: string;
}
