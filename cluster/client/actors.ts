/**
 * Actors as their owner sees them: a lease held for the actor's life, a creation message to the leased node,
 * and method calls sent strictly in call order once the actor is alive. When its thread, process or node dies
 * the actor is restarted up to `maxRestarts` times: the call that was running fails with ActorDiedError and the
 * calls queued behind it go to the new instance; once restarts are used up every pending call fails.
 */
import { ActorDiedError, TaskError, deserializeError } from '../common/errors.ts';
import { compileFunction, decompileError, type FunctionRef } from '../proto/convert.ts';
import type { ActorEvent__Output } from '../proto/generated/convoy/v1/ActorEvent.ts';
import type { Lease__Output } from '../proto/generated/convoy/v1/Lease.ts';
import type { TaskResult__Output } from '../proto/generated/convoy/v1/TaskResult.ts';
import type { Arg } from '../proto/generated/convoy/v1/Arg.ts';
import { scanArgs } from './args.ts';
import type { ObjectRef } from './object-ref.ts';
import type { CompiledActorOptions, CompiledTaskOptions } from './options.ts';
import type { TaskRecord } from './task-record.ts';
import type { ClientEngine } from './engine.ts';
import type { WorkerConnection } from './worker-connection.ts';

export type ActorState = 'pending' | 'starting' | 'alive' | 'restarting' | 'dead';

/** Actor calls hold no resources of their own: the actor holds them. */
const CALL_OPTIONS: CompiledTaskOptions = { resources: {}, shape: '', maxRetries: 0, retryExceptions: false, timeoutMs: 0, strategy: 'pack' };

export class ActorRecord {
  state: ActorState = 'pending';
  restarts = 0;
  lease?: Lease__Output;
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

  constructor(private readonly engine: ClientEngine) {}

  create(cls: FunctionRef, opts: CompiledActorOptions, args: readonly unknown[]): ActorRecord {
    this.engine.assertOpen();
    const actor = new ActorRecord(`a${this.engine.nextId()}`, cls, opts);
    this.#actors.set(actor.actorId, actor);
    const scan = scanArgs(args);
    // The constructor's arguments resolve like a task's; a pseudo-task carries them through the same path.
    const carrier: TaskRecord = {
      taskId: actor.actorId,
      name: `${cls.exportName}.constructor`,
      opts: CALL_OPTIONS,
      rawArgs: args,
      scan,
      preferredNode: '',
      attempt: 0,
      state: 'deps',
      actorId: actor.actorId,
    };
    this.engine.whenDepsReady(
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
    this.engine.forgetRequest(actor.requestId);
    actor.requestId = this.engine.newRequest((leases) => this.#granted(actor, leases));
    this.engine.head.requestLeases({
      requestId: actor.requestId,
      resources: actor.opts.resources,
      count: 1,
      strategy: actor.opts.strategy,
      actor: true,
      description: `actor ${actor.opts.name ?? actor.cls.exportName}`,
    });
  }

  #granted(actor: ActorRecord, leases: Lease__Output[]): void {
    const [lease, ...extra] = leases;
    if (extra.length) this.engine.head.returnLeases(extra.map((l) => l.leaseId));
    if (!lease) return;
    this.engine.forgetRequest(actor.requestId);
    if (actor.state === 'dead') {
      this.engine.head.returnLeases([lease.leaseId]);
      return;
    }
    actor.lease = lease;
    actor.conn = this.engine.connectionFor(lease.nodeId, lease.address);
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
    this.engine.assertOpen();
    const taskId = this.engine.nextId();
    this.engine.store.create(taskId);
    const task: TaskRecord = {
      taskId,
      name: `${actor.opts.name ?? actor.cls.exportName}.${method}`,
      opts: CALL_OPTIONS,
      rawArgs: args,
      scan: scanArgs(args),
      preferredNode: '',
      attempt: 0,
      state: 'deps',
      actorId: actor.actorId,
      method,
    };
    if (actor.state === 'dead') {
      this.engine.trackCall(task);
      const ref = this.engine.makeRef(taskId);
      this.engine.failTask(task, new ActorDiedError(actor.actorId, actor.deathReason));
      return ref;
    }
    const ref = this.engine.makeRef(taskId);
    this.engine.trackCall(task);
    this.engine.addUses(task);
    actor.queue.push(task);
    this.engine.whenDepsReady(task, () => this.#flush(actor));
    return ref;
  }

  /** Sends queued calls in order, stopping at the first whose arguments are not ready yet. */
  #flush(actor: ActorRecord): void {
    if (actor.state !== 'alive' || !actor.conn || !actor.lease) return;
    while (actor.queue.length && actor.queue[0]!.args !== undefined) {
      const task = actor.queue.shift()!;
      if (task.state === 'done') continue;
      task.state = 'running';
      this.engine.counts.running++;
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
    this.engine.counts.running--;
    task.state = 'deps'; // so failTask/finishTask do not touch lease bookkeeping
    if (r.outcome === 'value') this.engine.finishTask(task, r.value!, undefined);
    else if (r.outcome === 'stored') this.engine.finishTask(task, undefined, r.stored!);
    else {
      const err = deserializeError(decompileError(r.error));
      task.args = task.args ?? [];
      this.engine.failTask(task, new TaskError(task.taskId, task.name, err.stack ?? '', err));
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
      this.engine.head.returnLeases([actor.lease.leaseId]);
    }
    actor.lease = undefined;
    actor.conn = undefined;
    for (const t of actor.sent) {
      if (t.state === 'running') this.engine.counts.running--;
      t.state = 'deps';
    }
    if (!permanent && actor.restarts < actor.opts.maxRestarts) {
      actor.restarts++;
      actor.state = 'restarting';
      // Calls run one at a time, so when the instance itself died the first unanswered call was running and
      // may be the cause: it fails rather than crash the new instance the same way. When the node died it is
      // not to blame and goes again. The calls behind it never started; they go, in order, to the new instance.
      const running = nodeGone ? undefined : actor.sent.shift();
      if (running) {
        this.engine.failTask(
          running,
          new ActorDiedError(actor.actorId, reason, `actor ${actor.actorId} died while running ${running.name} (${reason}); the actor was restarted`),
        );
      }
      const resend = actor.sent.splice(0);
      for (const t of resend) t.attempt++;
      actor.queue.unshift(...resend);
      this.#requestLease(actor);
      return;
    }
    actor.state = 'dead';
    actor.deathReason = reason;
    const err = new ActorDiedError(actor.actorId, reason);
    if (cause) (err as { cause?: unknown }).cause = cause;
    actor.markDead(err);
    for (const t of [...actor.sent.splice(0), ...actor.queue.splice(0)]) this.engine.failTask(t, err);
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
    this.engine.forgetRequest(actor.requestId);
  }

  closeAll(): void {
    for (const actor of this.#actors.values()) this.kill(actor, 'the cluster connection was closed');
  }
}
