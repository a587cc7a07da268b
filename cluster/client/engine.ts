/**
 * The client's engine: owns its tasks and their results. It resolves dependencies, queues tasks per resource
 * shape, gets leases from the head, pushes tasks straight to the leased workers, retries system failures with
 * backoff, and settles results in the owner store. The head sees only lease traffic and periodic counts.
 */
import { IdSequence, randomId } from '../common/ids.ts';
import {
  BackpressureError,
  ClusterClosedError,
  ConvoyError,
  GetTimeoutError,
  ObjectLostError,
  TaskCancelledError,
  TaskError,
  WorkerDiedError,
  deserializeError,
} from '../common/errors.ts';
import { decodeValue, encodeValue } from '../common/serialization.ts';
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
import { ObjectRef } from './object-ref.ts';
import { encodeArgs, encodePlainArgs, scanArgs } from './args.ts';
import type { CompiledTaskOptions } from './options.ts';
import type { TaskRecord } from './task-record.ts';
import { ActorManager } from './actors.ts';

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

export class ClientEngine implements PoolHost {
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
  #putSeq = 1;
  readonly counts: TaskCounts = { pending_args: 0, queued: 0, running: 0, finished: 0, failed: 0, cancelled: 0 };
  #lastReported = '';
  #reportTimer: NodeJS.Timeout | undefined;
  #closed: ClusterClosedError | undefined;

  constructor(opts: EngineOptions) {
    this.#opts = opts;
    this.maxInFlight = opts.maxInFlightPerLease;
    this.leaseIdleMs = opts.leaseIdleMs;
    this.head = new HeadConnection(opts.address, opts.token, opts.tls, { clientId: this.clientId, kind: opts.kind, jobId: opts.jobId });
    this.actors = new ActorManager(this);
    this.head.on('grant', (requestId, leases) => this.#onGrant(requestId, leases));
    this.head.on('infeasible', (requestId, reason) => this.#warn(`infeasible:${requestId}:${reason}`, reason));
    this.head.on('revoke', (ids) => this.#onRevoke(ids));
    this.head.on('nodeDead', (nodeId, reason) => this.#onNodeLost(nodeId, `node died: ${reason}`));
    this.head.on('lost', (reason) => this.#warn(`head-lost:${reason}`, `lost the session with the Convoy head at ${opts.address}: ${reason}`));
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
        if (this.#conns.get(nodeId) === conn) this.#onNodeLost(nodeId, `stream to worker ${nodeId} lost: ${reason}`);
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
    if (scan.refs.length === 0) {
      task.args = encodePlainArgs(args);
      this.#enqueue(task);
    } else {
      this.counts.pending_args++;
      this.whenDepsReady(task, () => {
        this.counts.pending_args--;
        this.#enqueue(task);
      });
    }
    return new ObjectRef(taskId, this.clientId);
  }

  /**
   * Waits for a task's (or actor call's) ObjectRef arguments, then encodes them and calls `next`. A failed
   * dependency fails the task with the dependency's error, as Ray does.
   */
  whenDepsReady(task: TaskRecord, next: () => void, onFail: (err: Error) => void = (err) => this.failTask(task, err)): void {
    const entries = task.scan.refs.map((r) => this.entryFor(r));
    let left = entries.length;
    const go = () => {
      if (task.state === 'done') return;
      const failed = entries.find((e) => e.state === 'failed');
      if (failed) return onFail(failed.error!);
      task.preferredNode = preferredNode(entries);
      encodeArgs(task.rawArgs, task.scan, (r) => this.entryFor(r), (e) => this.fetchBytes(e)).then(
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
      this.#enqueue(task, true);
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
    else this.store.resolveStored(task.taskId, stored!);
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
    task.pool?.pump();
  }

  /** Registers an actor call so results route to it; the actor manager sends it. */
  trackCall(task: TaskRecord): void {
    this.#tasks.set(task.taskId, task);
  }

  untrack(taskId: string): void {
    this.#tasks.delete(taskId);
  }

  #onNodeLost(nodeId: string, reason: string): void {
    const conn = this.#conns.get(nodeId);
    this.#conns.delete(nodeId);
    conn?.close();
    const pools = new Set<LeasePool>();
    for (const pool of this.#pools.values()) {
      for (const held of [...pool.leases.values()]) {
        if (held.lease.nodeId === nodeId) {
          pool.drop(held.lease.leaseId);
          pools.add(pool);
        }
      }
    }
    for (const task of [...this.#tasks.values()]) {
      if (task.actorId || task.state !== 'running' || task.held?.lease.nodeId !== nodeId) continue;
      task.held = undefined;
      this.counts.running--;
      this.#retryOrFail(task, 'system', new WorkerDiedError(nodeId, reason));
    }
    this.actors.onNodeLost(nodeId, reason);
    for (const p of pools) p.pump();
  }

  cancel(ref: ObjectRef, force: boolean): void {
    const task = this.#tasks.get(ref.id);
    if (!task) return;
    const err = new TaskCancelledError(task.taskId);
    if (task.state === 'running' && task.held) task.held.conn.cancel([task.taskId], force);
    if (task.actorId) this.actors.cancel(task);
    this.failTask(task, err);
  }

  // ---- objects ----

  /** The owner-store entry for a ref; for a ref owned elsewhere, a placeholder filled from the head's directory. */
  entryFor(ref: ObjectRef): ObjectEntry {
    const e = this.store.get(ref.id);
    if (e) return e;
    const placeholder = this.store.create(ref.id);
    this.head.locate([ref.id]).then(
      (locs) => {
        if (locs[0]) this.store.resolveStored(ref.id, locs[0]);
        else this.store.fail(ref.id, new ObjectLostError(ref.id, `no node holds it and its owner ${ref.owner} is not this process`));
      },
      (err) => this.store.fail(ref.id, err as Error),
    );
    return placeholder;
  }

  async fetchBytes(e: ObjectEntry): Promise<Uint8Array> {
    if (e.inline) return e.inline;
    const loc = e.location!;
    const bytes = await this.connectionFor(loc.nodeId, loc.transferAddress).fetch(loc);
    e.inline = bytes; // keep the copy: later gets of the same object are local
    return bytes;
  }

  async get(refs: readonly ObjectRef[], timeoutMs?: number): Promise<unknown[]> {
    this.assertOpen();
    const entries = refs.map((r) => this.entryFor(r));
    const pending = entries.filter((e) => e.state === 'pending');
    if (pending.length) {
      const all = Promise.all(pending.map((e) => this.store.settled(e)));
      if (timeoutMs === undefined) await all;
      else {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
        const won = await Promise.race([all, timeout]);
        clearTimeout(timer);
        if (won === 'timeout') throw new GetTimeoutError(timeoutMs, entries.filter((e) => e.state === 'pending').length);
      }
    }
    const failed = entries.find((e) => e.state === 'failed');
    if (failed) throw failed.error;
    return Promise.all(entries.map(async (e) => decodeValue(e.inline ?? (await this.fetchBytes(e)))));
  }

  async wait(refs: readonly ObjectRef[], numReturns: number, timeoutMs?: number): Promise<{ ready: ObjectRef[]; notReady: ObjectRef[] }> {
    this.assertOpen();
    if (numReturns > refs.length) throw new RangeError(`numReturns (${numReturns}) is larger than the number of refs (${refs.length})`);
    const entries = refs.map((r) => this.entryFor(r));
    const settledCount = () => entries.filter((e) => e.state !== 'pending').length;
    if (settledCount() < numReturns && timeoutMs !== 0) {
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          if (settledCount() >= numReturns) {
            clearTimeout(timer);
            resolve();
          }
        };
        for (const e of entries) if (e.state === 'pending') this.store.onSettled(e, check);
        if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
      });
    }
    const ready: ObjectRef[] = [];
    const notReady: ObjectRef[] = [];
    entries.forEach((e, i) => (e.state !== 'pending' && ready.length < numReturns ? ready : notReady).push(refs[i]!));
    return { ready, notReady };
  }

  put(value: unknown): ObjectRef {
    this.assertOpen();
    const id = `${this.clientId}.p${(this.#putSeq++).toString(36)}`;
    this.store.create(id);
    const bytes = encodeValue(value);
    if (bytes.byteLength < this.#opts.inlineThreshold) this.store.resolveInline(id, bytes);
    else {
      this.#putRemote(id, bytes).then(
        (loc) => this.store.resolveStored(id, loc as ObjectLocation__Output),
        (err) => this.store.fail(id, new ObjectLostError(id, `put failed: ${(err as Error).message}`)),
      );
    }
    return new ObjectRef(id, this.clientId);
  }

  async #putRemote(id: string, bytes: Uint8Array) {
    let conn = [...this.#conns.values()].find((c) => !c.lost);
    if (!conn) {
      const status = await this.head.status();
      const alive = status.nodes.filter((n) => n.state === 'alive');
      if (alive.length === 0) throw new Error('no live worker node to store the object on');
      const n = alive[Math.floor(Math.random() * alive.length)]!;
      conn = this.connectionFor(n.nodeId, n.address);
    }
    return conn.put(id, bytes, this.clientId);
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
    for (const task of [...this.#tasks.values()]) this.failTask(task, this.#closed);
    this.actors.closeAll();
    const leaseIds: string[] = [];
    for (const pool of this.#pools.values()) for (const held of pool.leases.values()) leaseIds.push(held.lease.leaseId);
    this.head.returnLeases(leaseIds);
    for (const c of this.#conns.values()) c.close();
    this.#conns.clear();
    this.head.close();
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

