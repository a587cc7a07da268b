/**
 * Gets tasks whose arguments are ready onto workers (Ray's `normal_task_submitter`): one lease pool per
 * resource shape and strategy, lease demands to the head, grants opened on the leased node's stream, and
 * tasks pushed straight to the leased workers, many in flight per lease. Scheduling decisions are per lease,
 * not per task; the head sees only lease traffic.
 *
 * Lease requests are numbered here for actors too (an actor holds one lease for its life), so every grant
 * the head sends finds its requester through one table.
 */
import type { GrantedLease } from '../proto/convert.ts';
import type { HeadConnection } from './head-connection.ts';
import { LeasePool, type HeldLease, type PoolHost } from './lease-pool.ts';
import type { TaskManager } from './task-manager.ts';
import type { TaskRecord } from './task-record.ts';
import type { WorkerConnections } from './worker-connections.ts';

export interface TaskSubmitterOptions {
  readonly head: HeadConnection;
  readonly connections: WorkerConnections;
  readonly tasks: TaskManager;
  /** Tasks one lease may hold at once. */
  readonly maxInFlight: number;
  /** An idle lease goes back to the head after this long. */
  readonly leaseIdleMs: number;
}

export class TaskSubmitter implements PoolHost<TaskRecord> {
  readonly maxInFlight: number;
  readonly leaseIdleMs: number;
  readonly #head: HeadConnection;
  readonly #connections: WorkerConnections;
  readonly #tasks: TaskManager;
  readonly #pools = new Map<string, LeasePool<TaskRecord>>();
  readonly #requestHandlers = new Map<number, (leases: GrantedLease[]) => void>();
  #requestSeq = 1;

  constructor(o: TaskSubmitterOptions) {
    this.#head = o.head;
    this.#connections = o.connections;
    this.#tasks = o.tasks;
    this.maxInFlight = o.maxInFlight;
    this.leaseIdleMs = o.leaseIdleMs;
  }

  // ---- lease requests (tasks' pools and actors) ----

  /** A new request id; grants for it go to `onGrant` until it is forgotten. */
  newRequest(onGrant: (leases: GrantedLease[]) => void): number {
    const id = this.#requestSeq++;
    this.#requestHandlers.set(id, onGrant);
    return id;
  }

  forgetRequest(id: string | number): void {
    this.#requestHandlers.delete(Number(id));
  }

  /** The head granted leases: to their requester, or straight back when nobody asks any more. */
  onGrant(requestId: number, leases: GrantedLease[]): void {
    const handler = this.#requestHandlers.get(requestId);
    if (!handler) {
      this.#head.returnLeases(leases.map((l) => l.leaseId));
      return;
    }
    handler(leases);
  }

  // ---- tasks ----

  /** Queues a task the task manager has moved to `queued`, in the pool of its shape (`front` for retries). */
  enqueue(task: TaskRecord, front = false): void {
    const opts = task.opts;
    const key = `${opts.shape}|${opts.strategy}`;
    let pool = this.#pools.get(key);
    if (!pool) {
      const requestId = this.newRequest((leases) => this.#grantToPool(pool!, leases));
      pool = new LeasePool(requestId, opts.resources, opts.strategy, task.name, this, opts.bundle);
      this.#pools.set(key, pool);
    }
    task.pool = pool;
    pool.enqueue(task, front);
  }

  /**
   * A running task's result came back: its lease has room again. Returns its pool, to pump once the whole
   * batch of results is in.
   */
  completed(task: TaskRecord, runMicros: number): LeasePool<TaskRecord> | undefined {
    if (task.held) task.held.inFlight--;
    task.held = undefined;
    if (runMicros) task.pool?.observe(runMicros);
    return task.pool;
  }

  /** Takes a task that is about to settle early (cancelled, failed) out of its pool or off its lease. */
  withdraw(task: TaskRecord): void {
    if (task.state === 'queued') task.pool?.remove(task);
    else if (task.state === 'running' && task.held) task.held.inFlight--;
    task.held = undefined;
  }

  /** Dispatches what a pool can now take (after a result, a withdrawal, a lost node). */
  pump(pools: Iterable<LeasePool<TaskRecord> | undefined>): void {
    for (const p of new Set(pools)) p?.pump();
  }

  /** Asks the worker running `task` to stop it (`force`: even mid-run). */
  cancelRunning(task: TaskRecord, force: boolean): void {
    if (task.state === 'running' && task.held) task.held.conn.cancel([task.taskId], force);
  }

  // PoolHost
  send(task: TaskRecord, held: HeldLease): void {
    this.#tasks.dispatched(task, held.lease.nodeId);
    task.held = held;
    held.conn.submit({
      taskId: task.taskId,
      leaseId: held.lease.leaseId,
      fnId: held.conn.functionId(task.fn!, task.fnKey!),
      args: task.args!,
      timeoutMs: task.opts.timeoutMs,
      attempt: task.attempt,
      // The worker's memory monitor stops a task that will be retried before one that would fail for good.
      retryable: task.attempt < task.opts.maxRetries,
    });
  }

  request(pool: LeasePool<TaskRecord>, count: number, preferredNodes: string[]): void {
    // Our own idle leases of other shapes would otherwise hold the resources this shape needs until they
    // time out: hand them back now.
    if (count > 0) {
      for (const other of this.#pools.values()) {
        if (other === pool || other.queued > 0) continue;
        for (const held of [...other.leases.values()]) if (held.inFlight === 0) other.release(held);
      }
    }
    this.#head.requestLeases({
      requestId: pool.requestId,
      resources: pool.resources,
      count,
      strategy: pool.strategy,
      preferredNodes,
      description: pool.description,
      ...(pool.bundle ? { bundle: pool.bundle } : {}),
    });
  }

  giveBack(_pool: LeasePool<TaskRecord>, held: HeldLease): void {
    held.conn.closeLease(held.lease.leaseId);
    this.#head.returnLeases([held.lease.leaseId]);
  }

  #grantToPool(pool: LeasePool<TaskRecord>, leases: GrantedLease[]): void {
    const held: HeldLease[] = [];
    for (const lease of leases) {
      const conn = this.#connections.get(lease.nodeId, lease.address);
      conn.openLease(lease);
      held.push({ lease, conn, inFlight: 0, revoked: false });
    }
    pool.granted(held);
  }

  // ---- the head's and the nodes' news ----

  /** The head takes leases back (another client's demand): they finish what they hold, then go. */
  onRevoke(leaseIds: string[]): void {
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

  /**
   * Forgets the leases on a lost node, handing them back when the node may live on (only its stream broke).
   * Returns the pools that lost leases, to pump once the node's tasks are dealt with.
   */
  dropNode(nodeId: string, nodeDead: boolean): LeasePool<TaskRecord>[] {
    const pools = new Set<LeasePool<TaskRecord>>();
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
    this.#head.returnLeases(giveBack);
    return [...pools];
  }

  /** The head may have missed our demands (its session broke): every pool asks again for what it needs. */
  resendDemands(): void {
    for (const pool of this.#pools.values()) pool.resendDemand();
  }

  /** Every lease the pools hold, to hand back at close. */
  heldLeaseIds(): string[] {
    const ids: string[] = [];
    for (const pool of this.#pools.values()) for (const held of pool.leases.values()) ids.push(held.lease.leaseId);
    return ids;
  }
}
