/**
 * The owner core: the process that submits a task owns it and its result (Ray's ownership). This module
 * only wires the parts, one job each, the way Ray's core worker sits over `task_manager` and
 * `task_submission/`:
 * - task-manager.ts: task states and counts, retry decisions (a state machine, no I/O);
 * - dependency-resolver.ts: waits for ObjectRef arguments and encodes them;
 * - task-submitter.ts: lease pools per resource shape, lease traffic with the head, pushes to workers;
 * - lineage.ts: re-runs the task that made a result lost with its node;
 * - head-reconnect.ts: reopens a broken head session;
 * - actors.ts (through a narrow ActorHost), client-objects.ts (get, wait, put, free; through ObjectHost),
 *   references.ts (reference counting), worker-connections.ts (the streams to nodes).
 * The head sees only lease traffic and periodic counts; results settle in the owner object table.
 */
import { IdSequence, randomId } from '../common/ids.ts';
import { BackpressureError, ClusterClosedError, TaskCancelledError, WorkerDiedError, deserializeError } from '../common/errors.ts';
import { decompileError, type FunctionRef } from '../proto/convert.ts';
import type { TlsOptions } from '../transport/grpc.ts';
import type { TaskResult__Output } from '../proto/generated/convoy/v1/TaskResult.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { FailureKind } from '../../scheduler/retry.ts';
import { HeadConnection } from './head-connection.ts';
import { WorkerConnections } from './worker-connections.ts';
import { OwnerObjectTable } from './owner-objects.ts';
import type { ObjectRef } from './object-ref.ts';
import { ReferenceTable } from './references.ts';
import { encodePlainArgs, scanArgs } from './args.ts';
import type { CompiledTaskOptions } from './options.ts';
import type { TaskRecord } from './task-record.ts';
import { TaskManager, failureKind, type TaskCounts } from './task-manager.ts';
import { DependencyResolver } from './dependency-resolver.ts';
import { TaskSubmitter } from './task-submitter.ts';
import { Lineage } from './lineage.ts';
import { openJobSession, reconnectHead } from './head-reconnect.ts';
import { TaskEventBuffer } from './task-events.ts';
import { ActorManager, type ActorHost } from './actors.ts';
import { PlacementGroups } from './placement-groups.ts';
import { ClientObjects, type ObjectHost } from './client-objects.ts';
import type { LeasePool } from './lease-pool.ts';

export interface OwnerCoreOptions {
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

/** How often the task counts go to the head (only when they changed). */
const REPORT_COUNTS_MS = 500;

export class OwnerCore {
  readonly clientId = `c${randomId(4)}`;
  readonly store = new OwnerObjectTable();
  readonly head: HeadConnection;
  readonly actors: ActorManager;
  readonly placementGroups: PlacementGroups;
  /** get, wait, put and free, and where objects' bytes live (see client-objects.ts). */
  readonly objects: ClientObjects;
  readonly #opts: OwnerCoreOptions;
  readonly #ids = new IdSequence(this.clientId);
  readonly #taskEvents = new TaskEventBuffer();
  readonly #tasks = new TaskManager({ events: this.#taskEvents });
  readonly #connections: WorkerConnections;
  readonly #submitter: TaskSubmitter;
  readonly #resolver: DependencyResolver;
  readonly #lineage: Lineage;
  readonly #refs: ReferenceTable;
  readonly #warned = new Set<string>();
  #lastReported = '';
  /** The actor states last sent, to send them again only when one changed ('[]': none to tell). */
  #lastActors = '[]';
  #reportTimer: NodeJS.Timeout | undefined;
  #closed: ClusterClosedError | undefined;

  constructor(opts: OwnerCoreOptions) {
    this.#opts = opts;
    this.head = new HeadConnection(opts.address, opts.token, opts.tls, { clientId: this.clientId, kind: opts.kind, jobId: opts.jobId });
    this.#connections = new WorkerConnections({
      token: opts.token,
      tls: opts.tls,
      clientId: this.clientId,
      jobId: opts.jobId,
      onResults: (rs) => this.#onResults(rs),
      onActorEvent: (e) => this.actors.onEvent(e),
      // The node may still be alive (a dropped connection): its objects are not given up for lost until
      // the head says the node died.
      onLost: (nodeId, reason) => this.#onNodeLost(nodeId, `stream to worker ${nodeId} lost: ${reason}`, false),
    });
    this.#submitter = new TaskSubmitter({
      head: this.head,
      connections: this.#connections,
      tasks: this.#tasks,
      maxInFlight: opts.maxInFlightPerLease,
      leaseIdleMs: opts.leaseIdleMs,
    });
    this.objects = new ClientObjects(this.#objectHost());
    this.#resolver = new DependencyResolver({
      entryFor: (r) => this.objects.entryFor(r),
      onSettled: (e, cb) => this.store.onSettled(e, cb),
      fetchBytes: (e) => this.objects.fetchBytes(e),
    });
    this.#lineage = new Lineage({ store: this.store, rerun: (task) => this.#rerun(task) });
    this.actors = new ActorManager(this.#actorHost());
    this.placementGroups = new PlacementGroups({
      create: (spec) => this.head.createPlacementGroup(spec),
      remove: (groupId) => this.head.removePlacementGroup(groupId),
    });
    this.#refs = new ReferenceTable(this.clientId, {
      onUnreferenced: (id) => {
        if (!this.#closed) this.objects.release(id);
      },
      // Borrowed from another owner: only that owner frees it. Drop our cached copy, if any.
      onBorrowDone: (id) => {
        if (this.store.get(id)?.state !== 'pending') this.store.delete(id);
      },
    });
    this.head.on('grant', (requestId, leases) => {
      if (this.#closed) this.head.returnLeases(leases.map((l) => l.leaseId));
      else this.#submitter.onGrant(requestId, leases);
    });
    this.head.on('infeasible', (requestId, reason) => this.#warn(`infeasible:${requestId}:${reason}`, reason));
    this.head.on('revoke', (ids) => this.#submitter.onRevoke(ids));
    this.head.on('nodeDead', (nodeId, reason) => this.#onNodeLost(nodeId, `node died: ${reason}`, true));
    this.head.on('lost', (reason) => void this.#reconnect(reason));
    this.head.on('placementGroup', (news) => this.placementGroups.onNews(news));
  }

  async open(timeoutMs: number): Promise<void> {
    // A job's driver talks to the head that started it, which comes back if it was restarted meanwhile.
    if (this.#opts.kind === 'job' && this.#opts.address === process.env.CONVOY_ADDRESS) await openJobSession(this.head, timeoutMs, () => this.closed);
    else await this.head.open(timeoutMs);
    this.#reportTimer = setInterval(() => this.#reportCounts(), REPORT_COUNTS_MS);
    this.#reportTimer.unref();
  }

  /** The task counts by state, as reported to the head (see task-manager.ts). */
  get counts(): Readonly<TaskCounts> {
    return this.#tasks.counts;
  }

  get closed(): boolean {
    return this.#closed !== undefined;
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
    const a = this.#tasks.admit(this.#opts.maxPendingTasks);
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
      state: 'new',
      submittedAt: Date.now(),
    };
    this.#tasks.submit(task);
    const ref = this.#refs.makeRef(taskId);
    if (scan.refs.length === 0) {
      task.args = encodePlainArgs(args);
      this.#tasks.argsReady(task);
      this.#submitter.enqueue(task);
    } else {
      this.#refs.addUses(task);
      this.#resolveThenEnqueue(task);
    }
    return ref;
  }

  /** A task in `deps`: its arguments are resolved, then it queues (`front` for retries and re-runs). */
  #resolveThenEnqueue(task: TaskRecord, front = false): void {
    this.#resolver.whenReady(
      task,
      () => {
        this.#tasks.argsReady(task);
        this.#submitter.enqueue(task, front);
      },
      (err) => this.#fail(task, err),
    );
  }

  /** Where a task goes after the task manager moved it back to `deps` or `queued` (a retry, a re-run). */
  #reenter(task: TaskRecord, state: 'deps' | 'queued'): void {
    if (state === 'deps') this.#resolveThenEnqueue(task, true);
    else this.#submitter.enqueue(task, true);
  }

  #onResults(results: TaskResult__Output[]): void {
    const pools: (LeasePool<TaskRecord> | undefined)[] = [];
    for (const r of results) {
      const task = this.#tasks.current(r.taskId, r.attempt);
      if (!task) continue;
      task.runMicros = r.runMicros;
      if (task.actorId) {
        this.actors.onResult(task, r);
        continue;
      }
      pools.push(this.#submitter.completed(task, r.runMicros));
      if (r.outcome === 'value') this.#finish(task, r.value!, undefined);
      else if (r.outcome === 'stored') this.#finish(task, undefined, r.stored!);
      else {
        const err = deserializeError(decompileError(r.error));
        this.#retryOrFail(task, failureKind(r.systemError, err), err);
      }
    }
    this.#submitter.pump(pools);
  }

  #retryOrFail(task: TaskRecord, kind: FailureKind, err: Error): void {
    const d = this.#tasks.retryOrFail(task, kind, err);
    if (!d.retry) return this.#fail(task, d.error);
    setTimeout(() => {
      if (this.#closed) return;
      const state = this.#tasks.backoffOver(task);
      if (state) this.#reenter(task, state);
    }, d.delayMs).unref();
  }

  #finish(task: TaskRecord, inline: Uint8Array | undefined, stored: ObjectLocation__Output | undefined): void {
    this.#tasks.finished(task);
    if (inline) this.store.resolveInline(task.taskId, inline);
    else {
      this.store.resolveStored(task.taskId, stored!);
      // The task (with its argument refs, which stay alive with it) can rebuild this object.
      this.#lineage.record(task);
    }
    this.#refs.endUses(task);
    this.#settled(task.taskId);
  }

  #fail(task: TaskRecord, err: Error): void {
    this.#submitter.withdraw(task);
    if (!this.#tasks.failed(task, err)) return;
    this.store.fail(task.taskId, err);
    this.#refs.endUses(task);
    this.#settled(task.taskId);
    this.#submitter.pump([task.pool]);
  }

  /** A result whose references were all dropped while it ran is freed as soon as it lands. */
  #settled(id: string): void {
    const e = this.store.get(id);
    if (e?.orphan) {
      e.orphan = false;
      this.objects.release(id);
    }
  }

  /** Lineage re-runs a finished task to rebuild its lost result. */
  #rerun(task: TaskRecord): void {
    const state = this.#tasks.rerun(task);
    if (task.scan.refs.length) this.#refs.addUses(task);
    this.#reenter(task, state);
  }

  cancel(ref: ObjectRef, force: boolean): void {
    const task = this.#tasks.get(ref.id);
    if (!task) return;
    this.#submitter.cancelRunning(task, force);
    if (task.actorId) this.actors.cancel(task);
    this.#fail(task, new TaskCancelledError(task.taskId));
  }

  // ---- nodes and the head ----

  /**
   * The stream to a node broke, or the head says the node died. Either way its leases are gone (handed back
   * when the node may live on), the tasks running there are retried and its actors restarted. Only a dead
   * node takes objects with it: those are rebuilt from lineage when next needed (see ClientObjects.entryFor).
   */
  #onNodeLost(nodeId: string, reason: string, nodeDead: boolean): void {
    this.#connections.drop(nodeId);
    const pools = this.#submitter.dropNode(nodeId, nodeDead);
    for (const task of this.#tasks.live()) {
      if (task.actorId || task.state !== 'running' || task.held?.lease.nodeId !== nodeId) continue;
      this.#submitter.withdraw(task);
      this.#retryOrFail(task, 'system', new WorkerDiedError(nodeId, reason));
    }
    this.actors.onNodeLost(nodeId, reason);
    if (nodeDead) {
      for (const e of this.store.entries()) {
        if (e.state === 'ready' && !e.inline && e.location?.nodeId === nodeId) e.lost = `node ${nodeId} holding it died (${reason})`;
      }
    }
    this.#submitter.pump(pools);
  }

  /** Whether a broken head session is being reopened now. */
  get reconnecting(): boolean {
    return this.#reconnecting !== undefined;
  }

  /**
   * The last word to the head before close(): the final task counts, then a goodbye the head answers by
   * ending the session (head-connection.ts `farewell`). True once the head has both.
   */
  farewell(timeoutMs: number): Promise<boolean> {
    this.#lastReported = '';
    this.#reportCounts();
    return this.head.farewell(timeoutMs);
  }

  /** Set while a broken head session is being reopened: who waits for it to be over. */
  #reconnecting: (() => void)[] | undefined;

  /**
   * Resolves once a head session being reopened is open again and what the head missed has been repeated, or
   * reopening gave up, or after `timeoutMs`; at once when the session is not broken.
   */
  awaitHead(timeoutMs: number): Promise<void> {
    const waiting = this.#reconnecting;
    if (!waiting) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, timeoutMs);
      timer.unref();
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  async #reconnect(reason: string): Promise<void> {
    const waiting: (() => void)[] = (this.#reconnecting ??= []);
    try {
      await this.#redialHead(reason);
    } finally {
      if (this.#reconnecting === waiting) this.#reconnecting = undefined;
      for (const wake of waiting) wake();
    }
  }

  #redialHead(reason: string): Promise<void> {
    return reconnectHead(
      {
        head: this.head,
        isClosed: () => this.closed,
        onReconnected: () => {
          // Groups before the demands that name them: the head reads a session in order.
          this.placementGroups.resend();
          this.#submitter.resendDemands();
          this.actors.resendRequests();
          this.head.resendTuneReports();
          this.#lastReported = '';
          this.#lastActors = '';
        },
        onGiveUp: (key, warning, closeReason) => {
          this.#warn(key, warning);
          this.close(closeReason);
        },
      },
      reason,
    );
  }

  /** Sends the task counts (when they changed) and the task log entries since the last report. */
  #reportCounts(): void {
    const events = this.#taskEvents.take();
    if (events) this.head.taskEvents(events.events, events.dropped);
    const actors = this.actors.summaries();
    const actorsNow = JSON.stringify(actors);
    if (actorsNow !== this.#lastActors) {
      this.#lastActors = actorsNow;
      this.head.actorStates(actors);
    }
    const snapshot = JSON.stringify(this.#tasks.counts);
    if (snapshot === this.#lastReported) return;
    this.#lastReported = snapshot;
    this.head.reportCounts({ ...this.#tasks.counts });
  }

  /** Fails whatever is still pending, hands leases back and closes every stream. */
  close(reason = 'the cluster connection was closed'): void {
    if (this.#closed) return;
    this.#reportCounts();
    this.#closed = new ClusterClosedError(reason);
    clearInterval(this.#reportTimer);
    this.#refs.close();
    for (const task of this.#tasks.live()) this.#fail(task, this.#closed);
    this.actors.closeAll();
    this.placementGroups.closeAll(reason);
    this.head.returnLeases(this.#submitter.heldLeaseIds());
    this.#connections.closeAll();
    this.head.close(true);
  }

  // ---- the hosts the parts see ----

  #objectHost(): ObjectHost {
    const isClosed = () => this.closed;
    return {
      clientId: this.clientId,
      store: this.store,
      head: this.head,
      inlineThreshold: this.#opts.inlineThreshold,
      get closed() {
        return isClosed();
      },
      assertOpen: () => this.assertOpen(),
      makeRef: (id) => this.#refs.makeRef(id),
      dropRefs: (id) => this.#refs.release(id),
      connectionFor: (nodeId, address) => this.#connections.get(nodeId, address),
      anyConnection: () => this.#connections.any(),
      revive: (e) => this.#lineage.revive(e),
      forgetLineage: (id) => this.#lineage.forget(id),
    };
  }

  #actorHost(): ActorHost {
    return {
      assertOpen: () => this.assertOpen(),
      nextId: () => this.#ids.next(),
      submitCall: (call) => {
        this.store.create(call.taskId);
        this.#tasks.submitCall(call);
        return this.#refs.makeRef(call.taskId);
      },
      holdArgs: (call) => this.#refs.addUses(call),
      whenDepsReady: (call, next, onFail = (err) => this.#fail(call, err)) => this.#resolver.whenReady(call, next, onFail),
      callSent: (call, nodeId) => this.#tasks.callSent(call, nodeId),
      callRequeued: (call) => this.#tasks.callRequeued(call),
      finishCall: (call, inline, stored) => this.#finish(call, inline, stored),
      failCall: (call, err) => this.#fail(call, err),
      requestLease: (r, onGrant) => {
        const requestId = this.#submitter.newRequest(onGrant);
        this.head.requestLeases({ requestId, resources: r.resources, count: 1, strategy: r.strategy, actor: true, description: r.description, ...(r.bundle ? { bundle: r.bundle } : {}) });
        return requestId;
      },
      forgetRequest: (id) => this.#submitter.forgetRequest(id),
      returnLeases: (ids) => this.head.returnLeases(ids),
      connectionFor: (nodeId, address) => this.#connections.get(nodeId, address),
    };
  }
}
