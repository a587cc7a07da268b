/** What the owner keeps for each task or actor call until its result is settled. */
import type { FunctionRef } from '../proto/convert.ts';
import type { Arg } from '../proto/generated/convoy/v1/Arg.ts';
import type { CompiledTaskOptions } from './options.ts';
import type { ArgScan } from './args.ts';
import type { HeldLease, LeasePool } from './lease-pool.ts';

export type TaskState = 'deps' | 'queued' | 'running' | 'done';

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
  pool?: LeasePool;
  held?: HeldLease;
  /** Its ObjectRef arguments are counted as in use (kept alive) until it settles. */
  usesHeld?: boolean;
  /** Set for actor method calls. */
  readonly actorId?: string;
  readonly method?: string;
}
