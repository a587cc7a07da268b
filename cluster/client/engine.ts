/**
 * The client's engine: owns its tasks and their results. It resolves dependencies, queues tasks per resource
 * shape, gets leases from the head, pushes tasks straight to the leased workers, retries system failures with
 * backoff, and settles results in the owner store. The head sees only lease traffic and periodic counts.
 * Objects (get, wait, put, free) live in ClientObjects; reference counting in ReferenceTable; the engine keeps
 * the lineage that rebuilds lost objects, since that means running tasks again.
 */
import { IdSequence, randomId } from '../common/ids.ts';
import {
  AuthError,
  BackpressureError,
  ClusterClosedError,
  ConvoyError,
  ObjectLostError,
  TaskCancelledError,
  TaskError,
  WorkerDiedError,
  deserializeError,
} from '../common/errors.ts';
import { decompileError, type FunctionRef } from '../proto/convert.ts';
import { admit } from '../../scheduler/dispatch.ts';
import { DEFAULT_BACKOFF, backoffDelay, retryDecision, type FailureKind } from '../../scheduler/retry.ts';
import type { TlsOptions } from '../transport/grpc.ts';
import type { Lease__Output } from '../proto/generated/convoy/v1/Lease.ts';
import type { TaskResult__Output } from '../proto/generated/convoy/v1/TaskResult.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import { HeadConnection } from './head-connection.ts';
import { WorkerConnection } from './worker-connection.ts';
import { LeasePool, type HeldLease, type PoolHost } from './lease-pool.ts';
import { OwnerStore, type ObjectEntry } from './owner-store.ts';
import type { ObjectRef } from './object-ref.ts';
import { ReferenceTable } from './references.ts';
import { encodeArgs, encodePlainArgs, scanArgs } from './args.ts';
import type { CompiledTaskOptions } from './options.ts';
import type { TaskRecord } from './task-record.ts';
import { ActorManager } from './actors.ts';
import { ClientObjects, isPutId, type ObjectHost } from './client-objects.ts';

export interface EngineOptions {
  address: string;
  token: string;
  tls?: TlsOptions;
  kind: 'driver' | 'job' | 'task';
  jobId: string;
  maxPendingTasks: number;
  maxInFlightPerLease: number;
  leaseIdleMs: number;
  inlineThreshold: number;
}

/** Errors that mean the same thing to the user as they did remotely: surfaced as they are, not wrapped. */
const PASS_THROUGH = new Set(['TaskTimeoutError', 'TaskCancelledError', 'WorkerDiedError', 'ActorDiedError', 'ObjectLostError', 'TaskLoadError']);

export type TaskCounts = Record<'pending_args' | 'queued' | 'running' | 'finished' | 'failed' | 'cancelled', number>;

export class ClientEngine implements PoolHost, ObjectHost {
  readonly clientId = `c${randomId(4)}`;
  readonly store = new OwnerStore();
  readonly head: HeadConnection;
  readonly actors: ActorManager;
  readonly maxInFlight: number;
  readonly leaseIdleMs: number;
  readonly #opts: EngineOptions;
  readonly #ids = new IdSequence(this.clientId);
  readonly #conns = new Map<string, WorkerConnection>();
  readonly #pools = new Map<string, LeasePool>();
  readonly #requestHandlers = new Map<number, (leases: Lease__Output[]) => void>();
  readonly #tasks = new Map<string, TaskRecord>();
  readonly #warned = new Set<string>();
  #requestSeq = 1;
  readonly counts: TaskCounts = { pending_args: 0, queued: 0, running: 0, finished: 0, failed: 0, cancelled: 0 };
  #lastReported = '';
  #reportTimer: NodeJS.Timeout | undefined;
  #closed: ClusterClosedError | undefined;
  /** For results kept in a node's store: the task that made them, to run again if that node dies. */
  readonly #lineage = new Map<string, TaskRecord>();
  readonly #refs: ReferenceTable;
  /** get, wait, put and free, and where objects' bytes live (see client-objects.ts). */
  readonly objects: ClientObjects;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.maxInFlight = opts.maxInFlightPerLease;
    this.leaseIdleMs = opts.leaseIdleMs;
    this.head = new HeadConnection(opts.address, opts.token, opts.tls, { clientId: this.clientId, kind: opts.kind, jobId: opts.jobId });
    this.actors = new ActorManager(this);
    this.objects = new ClientObjects(this);
    this.#refs = new ReferenceTable(this.clientId, {
      onUnreferenced: (id) => {
        if (!this.#closed) this.objects.release(id);
      },
      // Borrowed from another owner: only that owner frees it. Drop our cached copy, if any.
      onBorrowDone: (id) => {
        if (this.store.get(id)?.state !== 'pending') this.store.delete(id);
      },
    });
    this.head.on('grant', (requestId, leases) => this.#onGrant(requestId, leases));
    this.head.on('infeasible', (requestId, reason) => this.#warn(`infeasible:${requestId}:${reason}`, reason));
    this.head.on('revoke', (ids) => this.#onRevoke(ids));
    this.head.on('nodeDead', (nodeId, reason) => this.#onNodeLost(nodeId, `node died: ${reason}`, true));
    this.head.on('lost', (reason) => void this.#reconnectHead(reason));
  }

  async open(timeoutMs: number): Promise<void> {
    await this.head.open(timeoutMs);
    this.#reportTimer = setInterval(() => this.#reportCounts(), 500);
    this.#reportTimer.unref();
  }

  // ---- ids, requests, connections (also used by the actor manager) ----

  nextId(): string {
    return this.#ids.next();
  }

  newRequest(onGrant: (leases: Lease__Output[]) => void): number {
    const id = this.#requestSeq++;
    this.#requestHandlers.set(id, onGrant);
    return id;
  }

  forgetRequest(id: string | number): void {
    this.#requestHandlers.delete(Number(id));
  }

  connectionFor(nodeId: string, address: string): WorkerConnection {
    let c = this.#conns.get(nodeId);
    if (c && (c.lost || c.address !== address)) {
      c.close();
      c = undefined;
    }
    if (!c) {
      const conn = new WorkerConnection(nodeId, address, this.#opts.token, this.#opts.tls, this.clientId);
      conn.on('results', (rs) => this.#onResults(rs));
      conn.on('actorEvent', (e) => this.actors.onEvent(e));
      conn.on('lost', (reason) => {
        // The node may still be alive (a dropped connection): its objects are not given up for lost until
        // the head says the node died.
        if (this.#conns.get(nodeId) === conn) this.#onNodeLost(nodeId, `stream to worker ${nodeId} lost: ${reason}`, false);
      });
      this.#conns.set(nodeId, conn);
      c = conn;
    }
    return c;
  }

  assertOpen(): void {
    if (this.#closed) throw this.#closed;
  }

  #warn(key: string, message: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    process.emitWarning(message, { type: 'ConvoyWarning' });
  }

  // ---- references ----

  /** A new ObjectRef the user will hold (see ReferenceTable). */
  makeRef(id: string): ObjectRef {
    return this.#refs.makeRef(id);
  }

  addUses(task: TaskRecord): void {
    this.#refs.addUses(task);
  }

  // ObjectHost
  get inlineThreshold(): number {
    return this.#opts.inlineThreshold;
  }

  dropRefs(id: string): void {
    this.#refs.release(id);
  }

  anyConnection(): WorkerConnection | undefined {
    return [...this.#conns.values()].find((c) => !c.lost);
  }

  forgetLineage(id: string): void {
    this.#lineage.delete(id);
  }

  // ---- tasks ----

  submitTask(fn: FunctionRef, fnKey: string, opts: CompiledTaskOptions, args: readonly unknown[]): ObjectRef {
    this.assertOpen();
    const pending = this.counts.pending_args + this.counts.queued + this.counts.running;
    const a = admit(pending, this.#opts.maxPendingTasks);
    if (!a.admit) throw new BackpressureError(a.reason);
    const taskId = this.#ids.next();
    this.store.create(taskId);
    const scan = scanArgs(args);
    const task: TaskRecord = {
      taskId,
      name: opts.name ?? fn.exportName,
      fn,
      fnKey,
      opts,
      rawArgs: args,
      scan,
      preferredNode: '',
      attempt: 0,
      state: 'deps',
    };
    this.#tasks.set(taskId, task);
    const ref = this.makeRef(taskId);
    if (scan.refs.length === 0) {
      task.args = encodePlainArgs(args);
      this.#enqueue(task);
    } else {
      this.addUses(task);
      this.#waitAndEnqueue(task);
    }
    return ref;
  }

  #waitAndEnqueue(task: TaskRecord, front = false): void {
    this.counts.pending_args++;
    task.args = undefined;
    task.state = 'deps';
    this.whenDepsReady(task, () => {
      this.counts.pending_args--;
      this.#enqueue(task, front);
    });
  }

  /**
   * Waits for a task's (or actor call's) ObjectRef arguments, then encodes them and calls `next`. A failed
   * dependency fails the task with the dependency's error, as Ray does.
   */
  whenDepsReady(task: TaskRecord, next: () => void, onFail: (err: Error) => void = (err) => this.failTask(task, err)): void {
    const entries = task.scan.refs.map((r) => this.objects.entryFor(r));
    let left = entries.length;
    const go = () => {
      if (task.state === 'done') return;
      const failed = entries.find((e) => e.state === 'failed');
      if (failed) return onFail(failed.error!);
      task.preferredNode = preferredNode(entries);
      encodeArgs(task.rawArgs, task.scan, (r) => this.objects.entryFor(r), (e) => this.objects.fetchBytes(e)).then(
        (args) => {
          if (task.state === 'done') return;
          task.args = args;
          next();
        },
        (err) => onFail(err as Error),
      );
    };
    if (left === 0) return go();
    for (const e of entries) this.store.onSettled(e, () => --left === 0 && go());
  }

  #enqueue(task: TaskRecord, front = false): void {
    const opts = task.opts;
    const key = `${opts.shape}|${opts.strategy}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      const requestId = this.newRequest((leases) => this.#grantToPool(pool!, leases));
      pool = new LeasePool(requestId, opts.resources, opts.strategy, task.name, this);
      this.#pools.set(key, pool);
    }
    task.pool = pool;
    task.state = 'queued';
    this.counts.queued++;
    pool.enqueue(task, front);
  }

  // PoolHost
  send(task: TaskRecord, held: HeldLease): void {
    task.state = 'running';
    task.held = held;
    this.counts.queued--;
    this.counts.running++;
    held.conn.submit({
      taskId: task.taskId,
      leaseId: held.lease.leaseId,
      fnId: held.conn.functionId(task.fn!, task.fnKey!),
      args: task.args!,
      timeoutMs: task.opts.timeoutMs,
      attempt: task.attempt,
    });
  }

  request(pool: LeasePool, count: number, preferredNodes: string[]): void {
    // Our own idle leases of other shapes would otherwise hold the resources this shape needs until they
    // time out: hand them back now.
    if (count > 0) {
      for (const other of this.#pools.values()) {
        if (other === pool || other.queued > 0) continue;
        for (const held of [...other.leases.values()]) if (held.inFlight === 0) other.release(held);
      }
    }
    this.head.requestLeases({
      requestId: pool.requestId,
      resources: pool.resources,
      count,
      strategy: pool.strategy,
      preferredNodes,
      description: pool.description,
    });
  }

  giveBack(_pool: LeasePool, held: HeldLease): void {
    held.conn.closeLease(held.lease.leaseId);
    this.head.returnLeases([held.lease.leaseId]);
  }

  #onGrant(requestId: number, leases: Lease__Output[]): void {
    const handler = this.#requestHandlers.get(requestId);
    if (!handler || this.#closed) {
      this.head.returnLeases(leases.map((l) => l.leaseId));
      return;
    }
    handler(leases);
  }

  #grantToPool(pool: LeasePool, leases: Lease__Output[]): void {
    const held: HeldLease[] = [];
    for (const lease of leases) {
      const conn = this.connectionFor(lease.nodeId, lease.address);
      conn.openLease(lease);
      held.push({ lease, conn, inFlight: 0, revoked: false });
    }
    pool.granted(held);
  }

  #onRevoke(leaseIds: string[]): void {
    const ids = new Set(leaseIds);
    for (const pool of this.#pools.values()) {
      let touched = false;
      for (const held of pool.leases.values()) {
        if (ids.has(held.lease.leaseId)) {
          held.revoked = true;
          touched = true;
        }
      }
      if (touched) pool.pump();
    }
  }

  #onResults(results: TaskResult__Output[]): void {
    const pools = new Set<LeasePool>();
    for (const r of results) {
      const task = this.#tasks.get(r.taskId);
      if (!task || task.state !== 'running' || r.attempt !== task.attempt) continue;
      if (task.actorId) {
        this.actors.onResult(task, r);
        continue;
      }
      const held = task.held!;
      held.inFlight--;
      task.held = undefined;
      this.counts.running--;
      if (task.pool) {
        pools.add(task.pool);
        if (r.runMicros) task.pool.observe(r.runMicros);
      }
      if (r.outcome === 'value') this.finishTask(task, r.value!, undefined);
      else if (r.outcome === 'stored') this.finishTask(task, undefined, r.stored!);
      else this.#taskFailed(task, r);
    }
    for (const p of pools) p.pump();
  }

  #taskFailed(task: TaskRecord, r: TaskResult__Output): void {
    const err = deserializeError(decompileError(r.error));
    const kind: FailureKind = r.systemError
      ? 'system'
      : err.name === 'TaskTimeoutError'
        ? 'timeout'
        : err.name === 'TaskCancelledError'
          ? 'cancelled'
          : 'application';
    this.#retryOrFail(task, kind, err);
  }

  #retryOrFail(task: TaskRecord, kind: FailureKind, err: Error): void {
    const d = retryDecision({
      kind,
      attempts: task.attempt + 1,
      maxRetries: task.opts.maxRetries,
      retryExceptions: task.opts.retryExceptions,
      errorName: err.name,
    });
    if (!d.retry) return this.failTask(task, this.#userError(task, err));
    task.attempt++;
    task.state = 'queued';
    this.counts.queued++;
    const delay = backoffDelay(task.attempt, DEFAULT_BACKOFF, Math.random());
    setTimeout(() => {
      if (task.state !== 'queued' || this.#closed) return;
      this.counts.queued--;
      // Arguments that lived on a lost node must be found (or rebuilt) again before the retry.
      if (task.scan.refs.length > 0) this.#waitAndEnqueue(task, true);
      else this.#enqueue(task, true);
    }, delay).unref();
  }

  #userError(task: TaskRecord, err: Error): Error {
    if (err instanceof ConvoyError && PASS_THROUGH.has(err.name)) return err;
    return new TaskError(task.taskId, task.name, err.stack ?? '', err);
  }

  finishTask(task: TaskRecord, inline: Uint8Array | undefined, stored: ObjectLocation__Output | undefined): void {
    task.state = 'done';
    this.#tasks.delete(task.taskId);
    this.counts.finished++;
    if (inline) this.store.resolveInline(task.taskId, inline);
    else {
      this.store.resolveStored(task.taskId, stored!);
      // Lineage: the task (with its argument refs, which stay alive with it) can rebuild this object.
      if (task.fn) this.#lineage.set(task.taskId, task);
    }
    this.#refs.endUses(task);
    this.#settled(task.taskId);
  }

  /** A result whose references were all dropped while it ran is freed as soon as it lands. */
  #settled(id: string): void {
    const e = this.store.get(id);
    if (e?.orphan) {
      e.orphan = false;
      this.objects.release(id);
    }
  }

  failTask(task: TaskRecord, err: Error): void {
    if (task.state === 'done') return;
    if (task.state === 'queued') {
      task.pool?.remove(task); // not found when it is waiting out a retry delay
      this.counts.queued--;
    } else if (task.state === 'running') {
      this.counts.running--;
      if (task.held) task.held.inFlight--;
    } else if (task.state === 'deps' && task.args === undefined && !task.actorId) {
      this.counts.pending_args--;
    }
    task.state = 'done';
    task.held = undefined;
    this.#tasks.delete(task.taskId);
    if (err instanceof TaskCancelledError) this.counts.cancelled++;
    else this.counts.failed++;
    this.store.fail(task.taskId, err);
    this.#refs.endUses(task);
    this.#settled(task.taskId);
    task.pool?.pump();
  }

  /** Registers an actor call so results route to it; the actor manager sends it. */
  trackCall(task: TaskRecord): void {
    this.#tasks.set(task.taskId, task);
  }

  untrack(taskId: string): void {
    this.#tasks.delete(taskId);
  }

  /**
   * The stream to a node broke, or the head says the node died. Either way its leases are gone (handed back
   * when the node may live on), the tasks running there are retried and its actors restarted. Only a dead
   * node takes objects with it: those are rebuilt from lineage when next needed (see ClientObjects.entryFor).
   */
  #onNodeLost(nodeId: string, reason: string, nodeDead: boolean): void {
    const conn = this.#conns.get(nodeId);
    this.#conns.delete(nodeId);
    conn?.close();
    const pools = new Set<LeasePool>();
    const giveBack: string[] = [];
    for (const pool of this.#pools.values()) {
      for (const held of [...pool.leases.values()]) {
        if (held.lease.nodeId === nodeId) {
          pool.drop(held.lease.leaseId);
          if (!nodeDead) giveBack.push(held.lease.leaseId);
          pools.add(pool);
        }
      }
    }
    this.head.returnLeases(giveBack);
    for (const task of [...this.#tasks.values()]) {
      if (task.actorId || task.state !== 'running' || task.held?.lease.nodeId !== nodeId) continue;
      task.held = undefined;
      this.counts.running--;
      this.#retryOrFail(task, 'system', new WorkerDiedError(nodeId, reason));
    }
    this.actors.onNodeLost(nodeId, reason);
    if (nodeDead) {
      for (const e of this.store.entries()) {
        if (e.state === 'ready' && !e.inline && e.location?.nodeId === nodeId) e.lost = `node ${nodeId} holding it died (${reason})`;
      }
    }
    for (const p of pools) p.pump();
  }

  /**
   * The session with the head broke: open it again under the same client id (the head keeps our leases and
   * objects for a grace period), then repeat what the head may have missed: lease demands and actor requests.
   */
  async #reconnectHead(reason: string): Promise<void> {
    const deadline = Date.now() + 60_000;
    let last = '';
    for (let attempt = 1; !this.#closed && Date.now() < deadline; attempt++) {
      await new Promise((r) => setTimeout(r, backoffDelay(attempt, { initialMs: 100, multiplier: 2, maxMs: 3000, jitter: 0.5 }, Math.random())));
      if (this.#closed) return;
      try {
        await this.head.open(5000);
        for (const pool of this.#pools.values()) pool.resendDemand();
        this.actors.resendRequests();
        this.#lastReported = '';
        return;
      } catch (err) {
        if (err instanceof AuthError) {
          // Retrying cannot fix a token: the head answered, and was most likely restarted with a new one.
          const message =
            `the head at ${this.#opts.address} refused this driver's cluster token after the connection dropped (${reason}); ` +
            'if the head was restarted it has a new token: connect again with the new token (CONVOY_TOKEN, CONVOY_TOKEN_FILE or the tokenFile option)';
          this.#warn(`head-token:${reason}`, message);
          return this.close(message);
        }
        last = (err as Error).message;
      }
    }
    if (!this.#closed) {
      const detail = last ? `${reason}; the last attempt to reach it: ${last}` : reason;
      this.#warn(`head-lost:${reason}`, `lost the Convoy head at ${this.#opts.address} (${detail}) and could not reconnect`);
      this.close(`lost the Convoy head at ${this.#opts.address}: ${detail}`);
    }
  }

  /**
   * Brings a lost object back: re-runs the task that made it (its own lost arguments are rebuilt the same way,
   * recursively, when the task resolves them), or fails it with ObjectLostError saying why it cannot be.
   */
  revive(e: ObjectEntry): void {
    const reason = e.lost!;
    const task = this.#lineage.get(e.id);
    this.store.reset(e.id);
    if (!task) {
      const why = isPutId(e.id) ? 'it was created by put(), so no task can rebuild it' : 'this process does not know the task that made it';
      return this.store.fail(e.id, new ObjectLostError(e.id, `${reason}; ${why}`));
    }
    const d = retryDecision({ kind: 'system', attempts: task.attempt + 1, maxRetries: task.opts.maxRetries, retryExceptions: false });
    if (!d.retry) {
      return this.store.fail(e.id, new ObjectLostError(e.id, `${reason}; the task ${task.name} that made it cannot run again (${d.reason})`));
    }
    this.#lineage.delete(e.id);
    task.attempt++;
    this.#tasks.set(task.taskId, task);
    if (task.scan.refs.length) {
      this.addUses(task);
      this.#waitAndEnqueue(task, true);
    } else this.#enqueue(task, true);
  }

  cancel(ref: ObjectRef, force: boolean): void {
    const task = this.#tasks.get(ref.id);
    if (!task) return;
    const err = new TaskCancelledError(task.taskId);
    if (task.state === 'running' && task.held) task.held.conn.cancel([task.taskId], force);
    if (task.actorId) this.actors.cancel(task);
    this.failTask(task, err);
  }

  #reportCounts(): void {
    const snapshot = JSON.stringify(this.counts);
    if (snapshot === this.#lastReported) return;
    this.#lastReported = snapshot;
    this.head.reportCounts({ ...this.counts });
  }

  get closed(): boolean {
    return this.#closed !== undefined;
  }

  /** Fails whatever is still pending, hands leases back and closes every stream. */
  close(reason = 'the cluster connection was closed'): void {
    if (this.#closed) return;
    this.#reportCounts();
    this.#closed = new ClusterClosedError(reason);
    clearInterval(this.#reportTimer);
    this.#refs.close();
    for (const task of [...this.#tasks.values()]) this.failTask(task, this.#closed);
    this.actors.closeAll();
    const leaseIds: string[] = [];
    for (const pool of this.#pools.values()) for (const held of pool.leases.values()) leaseIds.push(held.lease.leaseId);
    this.head.returnLeases(leaseIds);
    for (const c of this.#conns.values()) c.close();
    this.#conns.clear();
    this.head.close(true);
  }
}

/** The node holding the most argument bytes: moving the task there is cheaper than moving the data. */
function preferredNode(entries: readonly ObjectEntry[]): string {
  const bytes = new Map<string, number>();
  for (const e of entries) {
    if (e.location && !e.inline) bytes.set(e.location.nodeId, (bytes.get(e.location.nodeId) ?? 0) + Number(e.location.size));
  }
  let best = '';
  let most = 0;
  for (const [node, n] of bytes) if (n > most) [best, most] = [node, n];
  return best;
}

