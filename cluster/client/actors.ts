/**
 * Actors as their owner sees them: a lease held for the actor's life, a creation message to the leased node,
 * and method calls sent strictly in call order once the actor is alive. When its thread, process or node dies
 * the actor is restarted up to `maxRestarts` times: the call that was running fails with ActorDiedError and the
 * calls queued behind it go to the new instance; once restarts are used up every pending call fails.
 */
import { ActorDiedError, TaskError, deserializeError } from '../common/errors.ts';
import { compileFunction, decompileError, type FunctionRef } from '../proto/convert.ts';
import type { ActorEvent__Output } from '../proto/generated/convoy/v1/ActorEvent.ts';
import type { ActorReport, GrantedLease } from '../proto/convert.ts';
import type { TaskResult__Output } from '../proto/generated/convoy/v1/TaskResult.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { Arg } from '../proto/generated/convoy/v1/Arg.ts';
import { isInternalResource, type ResourceVector } from '../../scheduler/resources.ts';
import type { BundleRef } from '../../scheduler/placement-groups.ts';
import type { PlacementStrategy } from '../../scheduler/placement/types.ts';
import { scanArgs } from './args.ts';
import type { ObjectRef } from './object-ref.ts';
import type { CompiledActorOptions, CompiledTaskOptions } from './options.ts';
import { isSettled, type TaskRecord } from './task-record.ts';
import type { WorkerConnection } from './worker-connection.ts';

/**
 * What actors need from the owner core, and all they may do to it: calls are registered, moved and settled
 * through these (the core's task manager keeps their states and counts), never by touching its tables.
 */
export interface ActorHost {
  assertOpen(): void;
  /** A fresh id in this owner's sequence. */
  nextId(): string;
  /** Registers a method call with the task manager and makes its result's ObjectRef. */
  submitCall(call: TaskRecord): ObjectRef;
  /** Keeps the call's ObjectRef arguments alive until it settles. */
  holdArgs(call: TaskRecord): void;
  /** Resolves a call's (or the constructor's) arguments into `args`; `onFail` defaults to failing the call. */
  whenDepsReady(call: TaskRecord, next: () => void, onFail?: (err: Error) => void): void;
  /** The call was sent to the actor's instance. */
  /** An actor call sent to its actor's instance on `nodeId`. */
  callSent(call: TaskRecord, nodeId: string): void;
  /** The call was sent to an instance that died before answering: it goes to the next instance. */
  callRequeued(call: TaskRecord): void;
  finishCall(call: TaskRecord, inline: Uint8Array | undefined, stored: ObjectLocation__Output | undefined): void;
  failCall(call: TaskRecord, err: Error): void;
  /** Asks the head for one lease held for the actor's life; returns the request id grants come under. */
  requestLease(
    r: { resources: ResourceVector; strategy: PlacementStrategy; description: string; bundle?: BundleRef },
    onGrant: (leases: GrantedLease[]) => void,
  ): number;
  forgetRequest(id: number): void;
  returnLeases(leaseIds: string[]): void;
  connectionFor(nodeId: string, address: string): WorkerConnection;
}

/** What the user asked for, without the runtime's own bookkeeping resources. */
function visibleResources(v: ResourceVector): Record<string, number> {
  return Object.fromEntries(Object.entries(v).filter(([k]) => !isInternalResource(k)));
}

export type ActorState = 'pending' | 'starting' | 'alive' | 'restarting' | 'dead';

/** Actor calls hold no resources of their own: the actor holds them. */
const CALL_OPTIONS: CompiledTaskOptions = { resources: {}, shape: '', maxRetries: 0, retryExceptions: false, timeoutMs: 0, strategy: 'pack' };

export class ActorRecord {
  state: ActorState = 'pending';
  restarts = 0;
  lease?: GrantedLease;
  conn?: WorkerConnection;
  ctorArgs?: Arg[];
  requestId = 0;
  deathReason = '';
  /** Calls in call order, not yet sent to the current instance. */
  readonly queue: TaskRecord[] = [];
  /** Calls sent to the current instance and not answered, in call order. */
  readonly sent: TaskRecord[] = [];
  readonly #alive: { resolve: () => void; reject: (e: Error) => void; promise: Promise<void> };

  constructor(
    readonly actorId: string,
    readonly cls: FunctionRef,
    readonly opts: CompiledActorOptions,
  ) {
    let resolve!: () => void;
    let reject!: (e: Error) => void;
    const promise = new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
    promise.catch(() => undefined);
    this.#alive = { resolve, reject, promise };
  }

  /** Resolves when the first instance is alive; rejects if the actor dies before that. */
  ready(): Promise<void> {
    return this.#alive.promise;
  }

  markAlive(): void {
    this.#alive.resolve();
  }

  markDead(err: Error): void {
    this.#alive.reject(err);
  }
}

export class ActorManager {
  readonly #actors = new Map<string, ActorRecord>();

  constructor(private readonly host: ActorHost) {}

  create(cls: FunctionRef, opts: CompiledActorOptions, args: readonly unknown[]): ActorRecord {
    this.host.assertOpen();
    const actor = new ActorRecord(`a${this.host.nextId()}`, cls, opts);
    this.#actors.set(actor.actorId, actor);
    const scan = scanArgs(args);
    // The constructor's arguments resolve like a task's; a pseudo-task carries them through the same path
    // (it stays `new`: the task manager never tracks or counts it).
    const carrier: TaskRecord = {
      taskId: actor.actorId,
      name: `${cls.exportName}.constructor`,
      opts: CALL_OPTIONS,
      rawArgs: args,
      scan,
      preferredNode: '',
      attempt: 0,
      state: 'new',
      submittedAt: Date.now(),
      actorId: actor.actorId,
    };
    this.host.whenDepsReady(
      carrier,
      () => {
        actor.ctorArgs = carrier.args;
        this.#requestLease(actor);
      },
      (err) => this.#died(actor, `a constructor argument failed: ${err.message}`, true, err),
    );
    return actor;
  }

  #requestLease(actor: ActorRecord): void {
    if (actor.state === 'dead') return;
    this.host.forgetRequest(actor.requestId);
    actor.requestId = this.host.requestLease(
      { resources: actor.opts.resources, strategy: actor.opts.strategy, description: `actor ${actor.opts.name ?? actor.cls.exportName}`, ...(actor.opts.bundle ? { bundle: actor.opts.bundle } : {}) },
      (leases) => this.#granted(actor, leases),
    );
  }

  #granted(actor: ActorRecord, leases: GrantedLease[]): void {
    const [lease, ...extra] = leases;
    if (extra.length) this.host.returnLeases(extra.map((l) => l.leaseId));
    if (!lease) return;
    this.host.forgetRequest(actor.requestId);
    if (actor.state === 'dead') {
      this.host.returnLeases([lease.leaseId]);
      return;
    }
    actor.lease = lease;
    actor.conn = this.host.connectionFor(lease.nodeId, lease.address);
    actor.state = 'starting';
    actor.conn.openLease(lease);
    actor.conn.createActor({
      actorId: actor.actorId,
      leaseId: lease.leaseId,
      cls: compileFunction(actor.cls),
      args: actor.ctorArgs ?? [],
      isolation: actor.opts.isolation,
      restart: actor.restarts,
    });
  }

  call(actor: ActorRecord, method: string, args: readonly unknown[]): ObjectRef {
    this.host.assertOpen();
    const taskId = this.host.nextId();
    const task: TaskRecord = {
      taskId,
      name: `${actor.opts.name ?? actor.cls.exportName}.${method}`,
      opts: CALL_OPTIONS,
      rawArgs: args,
      scan: scanArgs(args),
      preferredNode: '',
      attempt: 0,
      state: 'new',
      submittedAt: Date.now(),
      actorId: actor.actorId,
      method,
    };
    const ref = this.host.submitCall(task);
    if (actor.state === 'dead') {
      this.host.failCall(task, new ActorDiedError(actor.actorId, actor.deathReason));
      return ref;
    }
    this.host.holdArgs(task);
    actor.queue.push(task);
    this.host.whenDepsReady(task, () => this.#flush(actor));
    return ref;
  }

  /**
   * Sends queued calls in order, stopping at the first whose arguments are not ready yet. Calls settled while
   * queued (a failed argument) are dropped, so they do not hold up the calls behind them.
   */
  #flush(actor: ActorRecord): void {
    if (actor.state !== 'alive' || !actor.conn || !actor.lease) return;
    while (actor.queue.length) {
      const next = actor.queue[0]!;
      if (!isSettled(next) && next.args === undefined) break;
      const task = actor.queue.shift()!;
      if (isSettled(task)) continue;
      this.host.callSent(task, actor.lease.nodeId);
      actor.sent.push(task);
      actor.conn.submit({
        taskId: task.taskId,
        leaseId: actor.lease.leaseId,
        fnId: 0,
        args: task.args!,
        attempt: task.attempt,
        actorId: actor.actorId,
        method: task.method!,
      });
    }
  }

  onResult(task: TaskRecord, r: TaskResult__Output): void {
    const actor = this.#actors.get(task.actorId!);
    // A system error means the instance died: the death event decides between resending and failing.
    if (!actor || r.systemError) return;
    const i = actor.sent.indexOf(task);
    if (i >= 0) actor.sent.splice(i, 1);
    if (r.outcome === 'value') this.host.finishCall(task, r.value!, undefined);
    else if (r.outcome === 'stored') this.host.finishCall(task, undefined, r.stored!);
    else {
      const err = deserializeError(decompileError(r.error));
      this.host.failCall(task, new TaskError(task.taskId, task.name, err.stack ?? '', err));
    }
  }

  onEvent(e: ActorEvent__Output): void {
    const actor = this.#actors.get(e.actorId);
    if (!actor || actor.state === 'dead') return;
    if (e.state === 'alive') {
      actor.state = 'alive';
      actor.markAlive();
      this.#flush(actor);
      return;
    }
    const cause = e.error ? deserializeError(decompileError(e.error)) : undefined;
    // A constructor that threw will throw again: no restart, the cause is the user's error.
    const ctorFailed = cause !== undefined && cause.name !== 'ActorDiedError';
    this.#died(actor, cause?.message ?? 'the actor exited', ctorFailed, cause);
  }

  onNodeLost(nodeId: string, reason: string): void {
    for (const actor of this.#actors.values()) {
      if (actor.lease?.nodeId === nodeId && actor.state !== 'dead') this.#died(actor, reason, false, undefined, true);
    }
  }

  #died(actor: ActorRecord, reason: string, permanent: boolean, cause?: Error, nodeGone = false): void {
    if (actor.lease && !nodeGone) {
      actor.conn?.closeLease(actor.lease.leaseId);
      this.host.returnLeases([actor.lease.leaseId]);
    }
    actor.lease = undefined;
    actor.conn = undefined;
    // Only calls still running wait for an answer; one settled meanwhile (cancelled) is let go.
    actor.sent.splice(0, actor.sent.length, ...actor.sent.filter((t) => t.state === 'running'));
    if (!permanent && actor.restarts < actor.opts.maxRestarts) {
      actor.restarts++;
      actor.state = 'restarting';
      // Calls run one at a time, so when the instance itself died the first unanswered call was running and
      // may be the cause: it fails rather than crash the new instance the same way. When the node died it is
      // not to blame and goes again. The calls behind it never started; they go, in order, to the new instance.
      const running = nodeGone ? undefined : actor.sent.shift();
      if (running) {
        this.host.failCall(
          running,
          new ActorDiedError(actor.actorId, reason, `actor ${actor.actorId} died while running ${running.name} (${reason}); the actor was restarted`),
        );
      }
      const resend = actor.sent.splice(0);
      for (const t of resend) this.host.callRequeued(t);
      actor.queue.unshift(...resend);
      this.#requestLease(actor);
      return;
    }
    actor.state = 'dead';
    actor.deathReason = reason;
    const err = new ActorDiedError(actor.actorId, reason);
    if (cause) (err as { cause?: unknown }).cause = cause;
    actor.markDead(err);
    for (const t of [...actor.sent.splice(0), ...actor.queue.splice(0)]) this.host.failCall(t, err);
  }

  /** Lease requests of actors still waiting for one, sent again after the head session was re-opened. */
  resendRequests(): void {
    for (const actor of this.#actors.values()) {
      if (actor.state === 'pending' && actor.ctorArgs !== undefined) this.#requestLease(actor);
      else if (actor.state === 'restarting') this.#requestLease(actor);
    }
  }

  cancel(task: TaskRecord): void {
    const actor = this.#actors.get(task.actorId!);
    if (!actor) return;
    for (const list of [actor.queue, actor.sent]) {
      const i = list.indexOf(task);
      if (i >= 0) list.splice(i, 1);
    }
  }

  kill(actor: ActorRecord, reason = 'killed by its owner'): void {
    if (actor.state === 'dead') return;
    if (actor.conn) actor.conn.killActor(actor.actorId);
    this.#died(actor, reason, true);
    this.host.forgetRequest(actor.requestId);
  }

  /**
   * Every actor this owner made, as the head's actor list shows them: the live ones first, then the most
   * recently made dead ones, at most `limit`.
   */
  summaries(limit = 1000): ActorReport[] {
    const all = [...this.#actors.values()].reverse();
    const chosen = [...all.filter((a) => a.state !== 'dead'), ...all.filter((a) => a.state === 'dead')].slice(0, limit);
    return chosen.map((a) => ({
      actorId: a.actorId,
      className: a.cls.exportName,
      ...(a.opts.name ? { name: a.opts.name } : {}),
      state: a.state,
      nodeId: a.state === 'dead' ? '' : (a.lease?.nodeId ?? ''),
      restarts: a.restarts,
      pendingCalls: a.queue.length + a.sent.length,
      resources: visibleResources(a.opts.resources),
      ...(a.deathReason ? { deathReason: a.deathReason } : {}),
    }));
  }

  closeAll(): void {
    for (const actor of this.#actors.values()) this.kill(actor, 'the cluster connection was closed');
  }
}
