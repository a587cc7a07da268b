/**
 * The owner's task states and counts, as a state machine with no I/O (Ray's `task_manager` beside its
 * submitters; Dask's `worker_state_machine`: events in, decisions out). Every change of a task's state goes
 * through one transition here, which checks it against the table below and moves the task between counts, so
 * the counts the head shows cannot drift from the states. Failures come in as events and leave as decisions:
 * retry after a delay (the caller sets the timer) or fail with the error the user will see.
 *
 *   new ─submit─▶ deps ─argsReady─▶ queued ─dispatched─▶ running ─finished─▶ finished
 *   new ─submitCall─▶ actor-queued ─callSent─▶ running ─callRequeued─▶ actor-queued  (its instance died)
 *   running ─retryOrFail─▶ backoff ─backoffOver─▶ deps or queued
 *   finished ─rerun─▶ deps or queued  (lineage: its result's only copy was lost)
 *   any unsettled state ─failed─▶ failed or cancelled
 *
 * Counts: `pending_args` (deps), `queued` (queued and backoff), `running`, and the settled totals `finished`,
 * `failed` and `cancelled`. An actor call is counted only while it runs: before that it waits in its actor's
 * queue, on resources the actor's lease already holds, so it must not count against `maxPendingTasks`. The
 * settled totals only grow: a finished task re-run to rebuild a lost result counts again when it finishes.
 */
import { ConvoyError, IllegalStateError, TaskCancelledError, TaskError } from '../common/errors.ts';
import { admit, type Admission } from '../../scheduler/dispatch.ts';
import { DEFAULT_BACKOFF, backoffDelay, retryDecision, type BackoffPolicy, type FailureKind } from '../../scheduler/retry.ts';
import type { TaskRecord, TaskState } from './task-record.ts';
import type { TaskEventBuffer } from './task-events.ts';

export type TaskCounts = Record<'pending_args' | 'queued' | 'running' | 'finished' | 'failed' | 'cancelled', number>;

/** The count each state is kept in (none for a task not submitted yet or an actor call not running). */
const COUNTED_IN: Record<TaskState, keyof TaskCounts | undefined> = {
  new: undefined,
  deps: 'pending_args',
  queued: 'queued',
  backoff: 'queued',
  running: 'running',
  'actor-queued': undefined,
  finished: 'finished',
  failed: 'failed',
  cancelled: 'cancelled',
};

const UNSETTLED: readonly TaskState[] = ['new', 'deps', 'queued', 'backoff', 'running', 'actor-queued'];

/** The legal transitions: from each state, the states a task may move to. */
const TRANSITIONS: Record<TaskState, readonly TaskState[]> = {
  new: ['deps', 'actor-queued', 'failed', 'cancelled'],
  deps: ['queued', 'failed', 'cancelled'],
  queued: ['running', 'failed', 'cancelled'],
  backoff: ['deps', 'queued', 'failed', 'cancelled'],
  running: ['finished', 'backoff', 'actor-queued', 'failed', 'cancelled'],
  'actor-queued': ['running', 'failed', 'cancelled'],
  finished: ['deps', 'queued'],
  failed: [],
  cancelled: [],
};

/** Errors that mean the same thing to the user as they did remotely: surfaced as they are, not wrapped. */
const PASS_THROUGH = new Set(['TaskTimeoutError', 'TaskCancelledError', 'WorkerDiedError', 'MemoryPressureError', 'ActorDiedError', 'ObjectLostError', 'TaskLoadError']);

/** What to do with a task whose attempt failed. */
export type FailureDecision = { readonly retry: true; readonly delayMs: number } | { readonly retry: false; readonly error: Error };

/** How a worker's failure report counts for retries: a system error (the worker died), a timeout, a cancel, or the task's own throw. */
export function failureKind(systemError: boolean, err: Error): FailureKind {
  if (systemError) return 'system';
  if (err.name === 'TaskTimeoutError') return 'timeout';
  if (err.name === 'TaskCancelledError') return 'cancelled';
  return 'application';
}

export interface TaskManagerOptions {
  /** Backoff between attempts. @default DEFAULT_BACKOFF (scheduler/retry.ts) */
  readonly backoff?: BackoffPolicy;
  /** Jitter source, injected for tests. @default Math.random */
  readonly random?: () => number;
  /** Hears every attempt that runs and ends, for the head's task log. */
  readonly events?: TaskEventBuffer;
}

export class TaskManager {
  /** Unsettled tasks and actor calls by id: results find their task here. */
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #counts: TaskCounts = { pending_args: 0, queued: 0, running: 0, finished: 0, failed: 0, cancelled: 0 };
  readonly #backoff: BackoffPolicy;
  readonly #random: () => number;
  readonly #events: TaskEventBuffer | undefined;

  constructor(options: TaskManagerOptions = {}) {
    this.#backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.#random = options.random ?? Math.random;
    this.#events = options.events;
  }

  get counts(): Readonly<TaskCounts> {
    return this.#counts;
  }

  /** Tasks that hold or wait for a slot: what `maxPendingTasks` limits. */
  get pending(): number {
    return this.#counts.pending_args + this.#counts.queued + this.#counts.running;
  }

  /** Whether one more task may be submitted under `maxPending`. */
  admit(maxPending: number): Admission {
    return admit(this.pending, maxPending);
  }

  get(taskId: string): TaskRecord | undefined {
    return this.#tasks.get(taskId);
  }

  /** A snapshot of the unsettled tasks and actor calls. */
  live(): TaskRecord[] {
    return [...this.#tasks.values()];
  }

  /**
   * The running task a worker's result belongs to, or undefined for a reply to forget: its task settled
   * meanwhile (cancelled, failed with its node) or it is a late reply of an earlier attempt.
   */
  current(taskId: string, attempt: number): TaskRecord | undefined {
    const task = this.#tasks.get(taskId);
    return task && task.state === 'running' && task.attempt === attempt ? task : undefined;
  }

  // ---- events in ----

  /** A new task: it waits for its ObjectRef arguments (none is fine: `argsReady` follows at once). */
  submit(task: TaskRecord): void {
    this.#move(task, 'deps');
    this.#tasks.set(task.taskId, task);
  }

  /** A new actor call: it waits in its actor's queue, uncounted until it runs. */
  submitCall(task: TaskRecord): void {
    this.#move(task, 'actor-queued');
    this.#tasks.set(task.taskId, task);
  }

  /** Its arguments are encoded: it queues for a slot. */
  argsReady(task: TaskRecord): void {
    this.#move(task, 'queued');
  }

  /** Pushed to a leased worker on `nodeId`. */
  dispatched(task: TaskRecord, nodeId: string): void {
    this.#move(task, 'running');
    this.#events?.running(task, nodeId);
  }

  /** An actor call sent to its actor's instance on `nodeId`. */
  callSent(task: TaskRecord, nodeId: string): void {
    this.#move(task, 'running');
    this.#events?.running(task, nodeId);
  }

  /** An actor call that was sent to an instance that died before answering: it goes to the next instance. */
  callRequeued(task: TaskRecord): void {
    this.#move(task, 'actor-queued');
    task.attempt++;
  }

  finished(task: TaskRecord): void {
    this.#move(task, 'finished');
    this.#tasks.delete(task.taskId);
    this.#events?.settled(task, 'finished', task.runMicros ?? 0);
  }

  /**
   * Settles an unsettled task with an error (cancelled when it is a TaskCancelledError). Returns false, and
   * changes nothing, for a task already settled: a cancel can race its result.
   */
  failed(task: TaskRecord, err: Error): boolean {
    if (!UNSETTLED.includes(task.state)) return false;
    this.#move(task, err instanceof TaskCancelledError ? 'cancelled' : 'failed');
    this.#tasks.delete(task.taskId);
    this.#events?.settled(task, 'failed', task.runMicros ?? 0, err);
    return true;
  }

  /**
   * A running attempt failed. Decides by the task's retry options (scheduler/retry.ts): a retry moves it to
   * `backoff` for the returned delay (the caller calls `backoffOver` when it is up); otherwise the decision
   * carries the error to settle it with (`failed`), the task's own error wrapped in a TaskError.
   */
  retryOrFail(task: TaskRecord, kind: FailureKind, err: Error): FailureDecision {
    if (task.state !== 'running') throw new IllegalStateError(`task ${task.taskId} failed while ${task.state}, not running`);
    this.#events?.settled(task, 'failed', task.runMicros ?? 0, err);
    const d = retryDecision({
      kind,
      attempts: task.attempt + 1,
      maxRetries: task.opts.maxRetries,
      retryExceptions: task.opts.retryExceptions,
      errorName: err.name,
    });
    if (!d.retry) return { retry: false, error: userError(task, err) };
    this.#move(task, 'backoff');
    task.attempt++;
    return { retry: true, delayMs: backoffDelay(task.attempt, this.#backoff, this.#random()) };
  }

  /**
   * The retry delay is up. A task with ObjectRef arguments resolves them again first (they may have lived on
   * the node that was lost, and need finding or rebuilding); one without queues at once. Returns the state it
   * moved to, or undefined when it is no longer waiting (it was cancelled or failed meanwhile).
   */
  backoffOver(task: TaskRecord): 'deps' | 'queued' | undefined {
    if (task.state !== 'backoff') return undefined;
    return this.#reenter(task);
  }

  /**
   * Runs a finished task again, to rebuild its result whose only copy was lost (lineage.ts decides it may).
   * Like a retry, it resolves its arguments again first when it has any.
   */
  rerun(task: TaskRecord): 'deps' | 'queued' {
    if (task.state !== 'finished') throw new IllegalStateError(`task ${task.taskId} cannot run again while ${task.state}`);
    task.attempt++;
    this.#tasks.set(task.taskId, task);
    return this.#reenter(task);
  }

  #reenter(task: TaskRecord): 'deps' | 'queued' {
    const to = task.scan.refs.length > 0 ? 'deps' : 'queued';
    this.#move(task, to);
    return to;
  }

  #move(task: TaskRecord, to: TaskState): void {
    const from = task.state;
    if (!TRANSITIONS[from].includes(to)) throw new IllegalStateError(`task ${task.taskId} cannot move from ${from} to ${to}`);
    const out = COUNTED_IN[from];
    // Settled totals only grow (see the header); live states are gauges.
    if (out && UNSETTLED.includes(from)) this.#counts[out]--;
    const into = COUNTED_IN[to];
    if (into) this.#counts[into]++;
    task.state = to;
    // Arguments are encoded on leaving `deps`; entering it means they are to be resolved (again).
    if (to === 'deps') task.args = undefined;
  }
}

function userError(task: TaskRecord, err: Error): Error {
  if (err instanceof ConvoyError && PASS_THROUGH.has(err.name)) return err;
  return new TaskError(task.taskId, task.name, err.stack ?? '', err);
}
