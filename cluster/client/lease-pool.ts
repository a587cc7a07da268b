/**
 * The tasks of one resource shape waiting for a slot, and the leases this client holds for that shape.
 *
 * Tasks whose arguments live on a node queue under that node, so a lease there takes them first (locality);
 * a lease elsewhere takes them only when nothing else is left. A lease holds as many tasks in flight as the backlog calls for
 * (scheduler/dispatch.ts). Idle leases go back to the head after `leaseIdleMs`; revoked ones as soon as their
 * in-flight tasks finish.
 */
import { leasesWanted, planDispatch } from '../../scheduler/dispatch.ts';
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import type { BundleRef } from '../../scheduler/placement-groups.ts';
import type { GrantedLease } from '../proto/convert.ts';
import type { WorkerConnection } from './worker-connection.ts';

/** Work queued per lease, in ms of task run time (see LeasePool.#depth). */
const IN_FLIGHT_WORK_MS = 20;

export interface HeldLease {
  readonly lease: GrantedLease;
  readonly conn: WorkerConnection;
  inFlight: number;
  revoked: boolean;
  idleTimer?: NodeJS.Timeout;
}

/**
 * What a pool queues: anything with a preferred node. The pool never looks further into its items (the task
 * submitter's tasks), so it does not depend on the task record that refers back to it.
 */
export interface PoolItem {
  /** The node holding most of its argument bytes ('' when none). */
  readonly preferredNode: string;
}

export interface PoolHost<T extends PoolItem> {
  readonly maxInFlight: number;
  readonly leaseIdleMs: number;
  send(item: T, held: HeldLease): void;
  request(pool: LeasePool<T>, count: number, preferredNodes: string[]): void;
  giveBack(pool: LeasePool<T>, held: HeldLease): void;
}

/** A FIFO with O(1) shift, compacted now and then. */
class Queue<T> {
  #items: T[] = [];
  #head = 0;
  get length(): number {
    return this.#items.length - this.#head;
  }
  push(x: T): void {
    this.#items.push(x);
  }
  unshift(x: T): void {
    if (this.#head > 0) this.#items[--this.#head] = x;
    else this.#items.unshift(x);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const x = this.#items[this.#head]!;
    this.#items[this.#head++] = undefined as T;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return x;
  }
  remove(x: T): boolean {
    const i = this.#items.indexOf(x, this.#head);
    if (i < 0) return false;
    this.#items.splice(i, 1);
    return true;
  }
}

export class LeasePool<T extends PoolItem> {
  readonly leases = new Map<string, HeldLease>();
  /** Queued tasks by preferred node ('' = no preference). */
  readonly #queues = new Map<string, Queue<T>>();
  #queued = 0;
  /** Leases asked for and not granted yet (the head's view of our demand). */
  #outstanding = 0;
  #scheduled = false;
  /** Moving average of the tasks' run time, in ms; unknown until the first results come back. */
  #avgRunMs: number | undefined;

  constructor(
    readonly requestId: number,
    readonly resources: ResourceVector,
    readonly strategy: PlacementStrategy,
    readonly description: string,
    private readonly host: PoolHost<T>,
    /** Its tasks run in this placement group's bundle. */
    readonly bundle?: BundleRef,
  ) {}

  get queued(): number {
    return this.#queued;
  }

  enqueue(task: T, front = false): void {
    let q = this.#queues.get(task.preferredNode);
    if (!q) this.#queues.set(task.preferredNode, (q = new Queue()));
    if (front) q.unshift(task);
    else q.push(task);
    this.#queued++;
    this.schedulePump();
  }

  remove(task: T): boolean {
    const q = this.#queues.get(task.preferredNode);
    if (q?.remove(task)) {
      this.#queued--;
      return true;
    }
    return false;
  }

  /** Coalesces pumps: 20,000 enqueues in one synchronous loop cause one dispatch after the loop. */
  schedulePump(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    queueMicrotask(() => {
      this.#scheduled = false;
      this.pump();
    });
  }

  granted(leases: readonly HeldLease[]): void {
    this.#outstanding = Math.max(0, this.#outstanding - leases.length);
    for (const h of leases) this.leases.set(h.lease.leaseId, h);
    this.pump();
  }

  /** Feeds the run times reported with results into the in-flight depth. */
  observe(runMicros: number): void {
    const ms = runMicros / 1000;
    this.#avgRunMs = this.#avgRunMs === undefined ? ms : this.#avgRunMs * 0.9 + ms * 0.1;
  }

  /**
   * How many tasks one lease may hold: about IN_FLIGHT_WORK_MS of work, so tiny tasks stream (thousands per
   * second per lease) while a long task never has another queued behind it that a free lease could run.
   * Until run times are known, one at a time.
   */
  #depth(): number {
    if (this.#avgRunMs === undefined) return 1;
    return Math.max(1, Math.min(this.host.maxInFlight, Math.floor(IN_FLIGHT_WORK_MS / Math.max(this.#avgRunMs, 0.001))));
  }

  pump(): void {
    const usable = [...this.leases.values()].filter((h) => !h.revoked);
    if (this.#queued > 0 && usable.length > 0) {
      const plan = planDispatch(
        this.#queued,
        usable.map((h) => ({ leaseId: h.lease.leaseId, inFlight: h.inFlight, local: (this.#queues.get(h.lease.nodeId)?.length ?? 0) > 0 })),
        this.#depth(),
      );
      for (const { leaseId, count } of plan) {
        const held = this.leases.get(leaseId)!;
        for (let i = 0; i < count; i++) {
          const task = this.#take(held.lease.nodeId);
          if (!task) break;
          held.inFlight++;
          this.host.send(task, held);
        }
      }
    }
    // Ask for as many more leases as the backlog could use; the head replaces our previous demand.
    // To keep the head's session quiet, a shrinking demand is not re-sent: extra grants just go back idle.
    const want = this.#queued > 0 ? leasesWanted(this.#queued, this.leases.size, 0, 4096) : 0;
    if (want > this.#outstanding || (want === 0 && this.#outstanding > 0)) {
      this.#outstanding = want;
      this.host.request(this, want, this.#preferredNodes());
    }
    for (const held of this.leases.values()) this.#checkIdle(held);
  }

  #take(nodeId: string): T | undefined {
    const order = [nodeId, ''];
    for (const key of order) {
      const t = this.#queues.get(key)?.shift();
      if (t) {
        this.#queued--;
        return t;
      }
    }
    for (const q of this.#queues.values()) {
      const t = q.shift();
      if (t) {
        this.#queued--;
        return t;
      }
    }
    return undefined;
  }

  #preferredNodes(): string[] {
    return [...this.#queues].filter(([k, q]) => k !== '' && q.length > 0).sort((a, b) => b[1].length - a[1].length).map(([k]) => k);
  }

  #checkIdle(held: HeldLease): void {
    if (held.inFlight > 0 || (this.#queued > 0 && !held.revoked)) {
      clearTimeout(held.idleTimer);
      held.idleTimer = undefined;
      return;
    }
    if (held.revoked) return this.release(held);
    if (held.idleTimer) return;
    held.idleTimer = setTimeout(() => {
      held.idleTimer = undefined;
      if (held.inFlight === 0 && this.#queued === 0 && this.leases.get(held.lease.leaseId) === held) this.release(held);
    }, this.host.leaseIdleMs);
    held.idleTimer.unref();
  }

  release(held: HeldLease): void {
    clearTimeout(held.idleTimer);
    if (this.leases.delete(held.lease.leaseId)) this.host.giveBack(this, held);
  }

  /** The head may have missed our demand (its session broke): ask again for what the backlog needs. */
  resendDemand(): void {
    this.#outstanding = 0;
    this.pump();
  }

  /** Forgets a lease whose node or stream is gone (nothing to give back). */
  drop(leaseId: string): HeldLease | undefined {
    const held = this.leases.get(leaseId);
    if (held) {
      clearTimeout(held.idleTimer);
      this.leases.delete(leaseId);
    }
    return held;
  }
}
