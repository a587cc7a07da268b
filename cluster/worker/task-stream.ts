/**
 * One client's task stream on this node: the functions it registered, the leases it opened, the tasks queued
 * under each lease, and its actors. Tasks of one lease run one batch at a time (a lease is one slot of the
 * node's resources); results go back in batches, flushed once per turn of the event loop.
 */
import type { ServerDuplexStream } from '@grpc/grpc-js';
import { MemoryPressureError, TaskCancelledError, TaskTimeoutError, WorkerDiedError, serializeError, type SerializedError } from '../common/errors.ts';
import { compileError, decompileFunction, decompileResources, type FunctionRef } from '../proto/convert.ts';
import type { ClientToWorker__Output } from '../proto/generated/convoy/v1/ClientToWorker.ts';
import type { WorkerToClient } from '../proto/generated/convoy/v1/WorkerToClient.ts';
import type { TaskSpec__Output } from '../proto/generated/convoy/v1/TaskSpec.ts';
import type { TaskResult } from '../proto/generated/convoy/v1/TaskResult.ts';
import type { Arg__Output } from '../proto/generated/convoy/v1/Arg.ts';
import type { ActorCreate__Output } from '../proto/generated/convoy/v1/ActorCreate.ts';
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { RunningTask } from '../../scheduler/memory-pressure.ts';
import type { ThreadTask } from './pool/messages.ts';
import type { NodeServices } from './node-services.ts';
import type { ClientStream } from './client-stream.ts';
import { ActorHost } from './actors/actor-host.ts';
import { BatchedWriter } from '../transport/batched-writer.ts';

/** Tasks per pool message: large enough to amortise the thread hop, small enough to keep results flowing. */
const MAX_BATCH = 256;

interface LeaseState {
  readonly leaseId: string;
  readonly resources: ResourceVector;
  readonly gpuIds: readonly number[];
  readonly queue: TaskSpec__Output[];
  running?: RunningBatch;
}

/** The batch a lease is running: what the memory monitor may stop, and how. */
interface RunningBatch {
  /** Tasks of the batch still owed a result from it (cancelled ones leave). */
  readonly taskIds: Set<string>;
  /** Each task's attempt, so a result sent on the batch's behalf names the attempt the owner waits for. */
  readonly attempts: ReadonlyMap<string, number>;
  /** Its owner retries a system failure of it (the batch is retryable only if each of its tasks is). */
  readonly retryable: boolean;
  readonly abort: AbortController;
  /** performance.now() when it started: the memory monitor stops the newest first. */
  readonly startedAt: number;
  /** Its abort signal reaches the executor, so aborting stops it (see #runBatch on which batches carry one). */
  readonly killable: boolean;
  /** Settles once the batch's thread or process is done with it. */
  settled?: Promise<void>;
}

export class TaskStream implements ClientStream {
  readonly #call: ServerDuplexStream<ClientToWorker__Output, WorkerToClient>;
  readonly #node: NodeServices;
  #clientId = '';
  /** The client's job ('' for none), from its hello. */
  #jobId = '';
  readonly #functions = new Map<number, FunctionRef>();
  readonly #resolved = new Map<number, Promise<string>>();
  readonly #leases = new Map<string, LeaseState>();
  readonly #actors = new Map<string, ActorHost>();
  /** Results of one batch arrive together and leave together; a lone result leaves at once (after this turn's code). */
  readonly #outbox = new BatchedWriter<TaskResult>({ write: (results) => this.#write({ results: { results } }), schedule: 'microtask' });
  #closed = false;

  constructor(call: ServerDuplexStream<ClientToWorker__Output, WorkerToClient>, node: NodeServices) {
    this.#call = call;
    this.#node = node;
    call.on('data', (msg: ClientToWorker__Output) => {
      try {
        this.#onMessage(msg);
      } catch (err) {
        node.log.warn({ err, clientId: this.#clientId }, 'bad message on task stream');
      }
    });
    call.on('end', () => this.close('client ended the stream'));
    call.on('error', () => this.close('stream error'));
    call.on('cancelled', () => this.close('stream cancelled'));
  }

  get clientId(): string {
    return this.#clientId;
  }

  /** Tasks waiting for a slot and tasks running (actor calls included), for heartbeats and status. */
  load(): { queued: number; running: number } {
    let queued = 0;
    let running = 0;
    for (const l of this.#leases.values()) {
      queued += l.queue.length;
      running += l.running?.taskIds.size ?? 0;
    }
    for (const host of this.#actors.values()) running += host.pendingCalls().length;
    return { queued, running };
  }

  workIds(): string[] {
    const ids: string[] = [];
    for (const l of this.#leases.values()) {
      for (const t of l.queue) ids.push(t.taskId);
      if (l.running) ids.push(...l.running.taskIds);
    }
    for (const host of this.#actors.values()) ids.push(...host.pendingCalls());
    return ids;
  }

  #onMessage(msg: ClientToWorker__Output): void {
    switch (msg.kind) {
      case 'hello':
        this.#clientId = msg.hello!.clientId;
        this.#jobId = msg.hello!.jobId;
        return;
      case 'functions':
        for (const e of msg.functions!.entries) this.#functions.set(e.fnId, decompileFunction(e.fn));
        return;
      case 'leaseOpen': {
        const o = msg.leaseOpen!;
        if (!this.#leases.has(o.leaseId)) {
          this.#leases.set(o.leaseId, {
            leaseId: o.leaseId,
            resources: decompileResources(o.resources),
            gpuIds: o.gpuIds,
            queue: [],
          });
        }
        return;
      }
      case 'leaseClose': {
        const lease = this.#leases.get(msg.leaseClose!.leaseId);
        // Queued tasks of a closed lease go back to the client, which resubmits them under another lease.
        if (lease) {
          for (const t of lease.queue) this.#fail(t, new WorkerDiedError(this.#node.nodeId, 'lease closed'), true);
          lease.queue.length = 0;
          this.#leases.delete(lease.leaseId);
        }
        return;
      }
      case 'tasks':
        for (const t of msg.tasks!.tasks) this.#enqueue(t);
        return;
      case 'cancel':
        this.#cancel(msg.cancel!.taskIds, msg.cancel!.force);
        return;
      case 'actorCreate':
        this.#createActor(msg.actorCreate!);
        return;
      case 'actorKill': {
        const host = this.#actors.get(msg.actorKill!.actorId);
        if (host) {
          this.#actors.delete(host.actorId);
          void host.kill('killed by its owner');
        }
        return;
      }
      default:
        this.#node.log.warn({ kind: msg.kind }, 'unknown task stream message');
    }
  }

  #enqueue(task: TaskSpec__Output): void {
    if (task.actorId) {
      const host = this.#actors.get(task.actorId);
      if (!host) return this.#fail(task, new WorkerDiedError(this.#node.nodeId, `actor ${task.actorId} is not on this node`), true);
      host.call(task);
      return;
    }
    const lease = this.#leases.get(task.leaseId);
    if (!lease) return this.#fail(task, new WorkerDiedError(this.#node.nodeId, `unknown lease ${task.leaseId}`), true);
    lease.queue.push(task);
    this.#pump(lease);
  }

  #pump(lease: LeaseState): void {
    if (lease.running || lease.queue.length === 0 || this.#closed) return;
    // A task with a timeout runs alone, so that stopping it (which ends its thread) stops nothing else.
    const n = lease.queue[0]!.timeoutMs > 0 ? 1 : countUntimed(lease.queue, MAX_BATCH);
    const batch = lease.queue.splice(0, n);
    const abort = new AbortController();
    const running: RunningBatch = {
      taskIds: new Set(batch.map((t) => t.taskId)),
      attempts: new Map(batch.map((t) => [t.taskId, t.attempt])),
      retryable: batch.every((t) => t.retryable),
      abort,
      startedAt: performance.now(),
      killable: isKillable(lease, batch),
    };
    lease.running = running;
    running.settled = this.#runBatch(lease, batch, abort).finally(() => {
      lease.running = undefined;
      this.#pump(lease);
    });
  }

  /**
   * The tasks running on this stream, for the memory monitor. A task is retryable when its owner said so
   * (retries left); stopping a batch stops all of it, so a batch is retryable only if every task in it is.
   */
  runningTasks(): RunningTask[] {
    const out: RunningTask[] = [];
    for (const lease of this.#leases.values()) {
      const r = lease.running;
      if (!r) continue;
      for (const taskId of r.taskIds) out.push({ taskId, startedAt: r.startedAt, retryable: r.retryable, killable: r.killable });
    }
    return out;
  }

  /**
   * Stops a running task because the node is short of memory: it fails with `error` as a system failure (so
   * its owner retries it while maxRetries allows), its batch-mates fail as stopped with it (retried too), and
   * its thread ends. Resolves once the batch is done; undefined when the task is not running here.
   */
  killForMemory(taskId: string, error: MemoryPressureError): Promise<void> | undefined {
    for (const lease of this.#leases.values()) {
      const r = lease.running;
      if (!r?.taskIds.has(taskId) || !r.killable) continue;
      for (const id of r.taskIds) {
        const attempt = r.attempts.get(id) ?? 0;
        if (id === taskId) this.#fail({ taskId: id, attempt }, error, true);
        else this.#fail({ taskId: id, attempt }, new WorkerDiedError(this.#node.nodeId, `its batch was stopped: task ${taskId} in it was killed for memory`), true);
      }
      r.taskIds.clear();
      r.abort.abort();
      return r.settled;
    }
    return undefined;
  }

  async #runBatch(lease: LeaseState, batch: TaskSpec__Output[], abort: AbortController): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    let timedOut = false;
    const prepared: ThreadTask[] = [];
    const byId = new Map<string, TaskSpec__Output>();
    // A GPU lease runs in the trainer process of its device, which gets copies; pool threads borrow the
    // store's memory and give it back (args.lend), so it can be reused once the objects are freed.
    const onGpu = (lease.resources.gpu ?? 0) > 0;
    for (const task of batch) {
      try {
        const fn = this.#functions.get(task.fnId);
        if (!fn) throw new Error(`function ${task.fnId} was never registered on this stream`);
        const moduleUrl = await this.#resolve(task.fnId, fn);
        const args = task.args as Arg__Output[];
        const lent = onGpu ? { bytes: await this.#node.args.resolve(args), loans: undefined } : await this.#node.args.lend(args);
        prepared.push({ taskId: task.taskId, moduleUrl, exportName: fn.exportName, args: lent.bytes, loans: lent.loans, ...(this.#jobId ? { jobId: this.#jobId } : {}) });
        byId.set(task.taskId, task);
      } catch (err) {
        // A lost argument is the cluster's failure, not the task's: the owner retries once it is rebuilt.
        this.#fail(task, err, (err as Error).name === 'ObjectLostError');
      }
    }
    const live: ThreadTask[] = [];
    for (const t of prepared) {
      if (lease.running?.taskIds.has(t.taskId)) live.push(t);
      else if (t.loans) this.#node.args.returnLoans(t.loans); // cancelled before it reached a thread
    }
    if (live.length === 0) {
      for (const t of byId.values()) this.#node.args.release(t.args as Arg__Output[]);
      return;
    }
    if (batch.length === 1 && batch[0]!.timeoutMs > 0) {
      timer = setTimeout(() => {
        timedOut = true;
        abort.abort();
      }, batch[0]!.timeoutMs);
    }
    try {
      // piscina gives a task with an abort signal a thread to itself (aborting ends the thread). A lease of a
      // whole CPU has a thread's worth anyway, so it keeps the signal and a forced cancel can stop it; leases of
      // a fraction of a CPU share threads, so only timed tasks (which run alone) carry one.
      const killable = isKillable(lease, batch);
      // A GPU lease runs in the trainer process of its device; everything else in the thread pool.
      const reply = onGpu
        ? await this.#node.gpus.runBatch(lease.gpuIds[0] ?? 0, live, abort.signal)
        : await this.#node.pool.runBatch(live, killable ? abort.signal : undefined);
      for (const r of reply.results) {
        const task = byId.get(r.taskId)!;
        if (!lease.running?.taskIds.has(r.taskId)) continue; // cancelled while running
        if (r.ok) this.#succeed(task, r.value, r.micros, r.loan);
        else this.#push({ taskId: task.taskId, error: compileError(r.error), attempt: task.attempt, runMicros: r.micros });
      }
    } catch (err) {
      for (const t of live) {
        const task = byId.get(t.taskId)!;
        if (!lease.running?.taskIds.has(t.taskId)) continue;
        if (timedOut) this.#fail(task, new TaskTimeoutError(task.taskId, task.timeoutMs), false);
        else if ((err as Error).name === 'AbortError') this.#fail(task, new TaskCancelledError(task.taskId), false);
        else this.#fail(task, new WorkerDiedError(this.#node.nodeId, (err as Error).message), true);
      }
    } finally {
      clearTimeout(timer);
      for (const t of byId.values()) this.#node.args.release(t.args as Arg__Output[]);
    }
  }

  #resolve(fnId: number, fn: FunctionRef): Promise<string> {
    let p = this.#resolved.get(fnId);
    if (!p) {
      p = this.#node.resolveModule(fn);
      this.#resolved.set(fnId, p);
      p.catch(() => this.#resolved.delete(fnId));
    }
    return p;
  }

  /** Small results go back inline; large ones stay in this node's store and only their location travels. */
  #succeed(task: TaskSpec__Output, value: Uint8Array, runMicros: number, loan?: number): void {
    // A result in lent memory smaller than the inline limit (a raised inlineThreshold) travels inline; its
    // buffer is then never put, and the store writes it off after the loan TTL.
    if (value.byteLength < this.#node.inlineThreshold) {
      this.#push({ taskId: task.taskId, value, attempt: task.attempt, runMicros });
      return;
    }
    const location = this.#node.storeResult(task.taskId, value, this.#clientId, loan);
    this.#push({ taskId: task.taskId, stored: location, attempt: task.attempt, runMicros });
  }

  #fail(task: Pick<TaskSpec__Output, 'taskId' | 'attempt'>, err: unknown, system: boolean): void {
    const e: SerializedError = serializeError(err);
    this.#push({ taskId: task.taskId, error: compileError(e), systemError: system, attempt: task.attempt });
  }

  #cancel(taskIds: string[], force: boolean): void {
    const ids = new Set(taskIds);
    for (const lease of this.#leases.values()) {
      for (let i = lease.queue.length - 1; i >= 0; i--) {
        const t = lease.queue[i]!;
        if (ids.has(t.taskId)) {
          lease.queue.splice(i, 1);
          this.#fail(t, new TaskCancelledError(t.taskId), false);
        }
      }
      const running = lease.running;
      if (!running) continue;
      for (const id of ids) {
        if (!running.taskIds.has(id)) continue;
        running.taskIds.delete(id);
        this.#fail({ taskId: id, attempt: running.attempts.get(id) ?? 0 }, new TaskCancelledError(id), false);
        // Only a forced cancel stops a running task: it ends the thread, so its batch-mates are re-run
        // elsewhere (reported as system failures, which the owner retries).
        if (force) running.abort.abort();
      }
      if (force && running.abort.signal.aborted) {
        // With the attempt the owner waits for: a retried task's result named attempt 0 would be dropped, and the task wait forever.
        for (const id of running.taskIds) this.#fail({ taskId: id, attempt: running.attempts.get(id) ?? 0 }, new WorkerDiedError(this.#node.nodeId, 'batch stopped by a forced cancel'), true);
        running.taskIds.clear();
      }
    }
  }

  #createActor(spec: ActorCreate__Output): void {
    const lease = this.#leases.get(spec.leaseId);
    const host = new ActorHost(spec, lease?.gpuIds ?? [], this.#node, this.#jobId, {
      result: (r) => this.#push(r),
      event: (actorId, state, error) => {
        if (state === 'dead') this.#actors.delete(actorId);
        this.#write({ actorEvent: { actorId, state, error: error ? compileError(error) : null } });
      },
    });
    this.#actors.set(spec.actorId, host);
    host.start();
  }

  #push(result: TaskResult): void {
    if (this.#closed) return;
    this.#outbox.push(result);
  }

  #write(msg: WorkerToClient): void {
    if (this.#closed) return;
    try {
      this.#call.write(msg);
    } catch (err) {
      this.close(`write failed: ${(err as Error).message}`);
    }
  }

  /** The client is gone: drop its queued work and stop its actors. Running batches finish and are discarded. */
  close(reason: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#outbox.abort(); // the client is gone: its results have nowhere to go
    for (const lease of this.#leases.values()) {
      lease.queue.length = 0;
      lease.running?.taskIds.clear();
    }
    this.#leases.clear();
    for (const host of this.#actors.values()) void host.kill(`owner disconnected: ${reason}`);
    this.#actors.clear();
    this.#node.streamClosed(this, reason);
    try {
      this.#call.end();
    } catch {
      // already gone
    }
  }
}

/** A batch whose abort signal reaches its executor: GPU batches, timed tasks, and leases of a whole CPU or more. */
function isKillable(lease: LeaseState, batch: readonly TaskSpec__Output[]): boolean {
  if ((lease.resources.gpu ?? 0) > 0) return true;
  return (batch.length === 1 && batch[0]!.timeoutMs > 0) || (lease.resources.cpu ?? 0) >= 1;
}

function countUntimed(queue: readonly TaskSpec__Output[], max: number): number {
  let n = 0;
  while (n < queue.length && n < max && queue[n]!.timeoutMs === 0) n++;
  return n;
}
