/**
 * The node's side of one actor: starts its thread or process, forwards method calls in the order they
 * arrived, and reports its death (with every call still pending) to the owner, who decides on a restart.
 */
import { ActorDiedError, serializeError, type SerializedError } from '../../common/errors.ts';
import { compileError, decompileFunction } from '../../proto/convert.ts';
import type { ActorCreate__Output } from '../../proto/generated/convoy/v1/ActorCreate.ts';
import type { TaskSpec__Output } from '../../proto/generated/convoy/v1/TaskSpec.ts';
import type { TaskResult } from '../../proto/generated/convoy/v1/TaskResult.ts';
import type { Arg__Output } from '../../proto/generated/convoy/v1/Arg.ts';
import type { NodeServices } from '../node-services.ts';
import type { ActorExecutor, Isolation } from './executor.ts';
import type { FromActor } from './messages.ts';

export interface ActorSink {
  result(r: TaskResult): void;
  event(actorId: string, state: 'alive' | 'dead', error?: SerializedError): void;
}

export class ActorHost {
  readonly actorId: string;
  readonly #spec: ActorCreate__Output;
  readonly #gpuIds: readonly number[];
  readonly #node: NodeServices;
  readonly #sink: ActorSink;
  /** The job of the client that created it ('' for none), for its log lines. */
  readonly #jobId: string;
  #executor: ActorExecutor | undefined;
  /** Calls sent to the actor and not answered yet: callId → attempt. */
  readonly #pending = new Map<string, number>();
  /** Keeps calls in arrival order even though resolving their arguments is asynchronous. */
  #chain: Promise<void> = Promise.resolve();
  #dead = false;

  constructor(spec: ActorCreate__Output, gpuIds: readonly number[], node: NodeServices, jobId: string, sink: ActorSink) {
    this.actorId = spec.actorId;
    this.#spec = spec;
    this.#gpuIds = gpuIds;
    this.#node = node;
    this.#sink = sink;
    this.#jobId = jobId;
  }

  start(): void {
    const isolation: Isolation = this.#spec.isolation === 'process' ? 'process' : 'thread';
    const env: Record<string, string> = { CONVOY_ACTOR_ID: this.actorId };
    if (this.#gpuIds.length) {
      env.CONVOY_GPU_IDS = this.#gpuIds.join(',');
      env.CUDA_VISIBLE_DEVICES = this.#gpuIds.map((i) => this.#node.gpuDevice(i)).join(',');
    }
    this.#chain = this.#chain.then(async () => {
      try {
        const fn = decompileFunction(this.#spec.cls);
        const moduleUrl = await this.#node.resolveModule(fn);
        const args = await this.#node.args.resolve(this.#spec.args as Arg__Output[]);
        this.#node.args.release(this.#spec.args as Arg__Output[]);
        if (this.#dead) return;
        this.#executor = this.#node.actorExecutors.start(isolation, env, {
          onMessage: (m) => this.#onMessage(m),
          onExit: (reason) => this.#die(reason),
        });
        this.#executor.send({ type: 'init', moduleUrl, className: fn.exportName, args, env, ...(this.#jobId ? { jobId: this.#jobId } : {}) });
      } catch (err) {
        this.#die(`could not start: ${(err as Error).message}`, serializeError(err));
      }
    });
  }

  call(task: TaskSpec__Output): void {
    if (this.#dead) {
      this.#failCall(task.taskId, task.attempt, new ActorDiedError(this.actorId, 'the actor is dead'));
      return;
    }
    this.#pending.set(task.taskId, task.attempt);
    this.#chain = this.#chain.then(async () => {
      try {
        const args = await this.#node.args.resolve(task.args as Arg__Output[]);
        // The actor gets the bytes in the message (shared memory stays shared): no pin needed afterwards.
        this.#node.args.release(task.args as Arg__Output[]);
        if (!this.#dead) this.#executor?.send({ type: 'call', callId: task.taskId, method: task.method, args });
      } catch (err) {
        this.#pending.delete(task.taskId);
        this.#sink.result({ taskId: task.taskId, error: compileError(serializeError(err)), attempt: task.attempt });
      }
    });
  }

  /** The calls sent to the actor and not answered yet (a drain waits for these). */
  pendingCalls(): string[] {
    return [...this.#pending.keys()];
  }

  #onMessage(m: FromActor): void {
    switch (m.type) {
      case 'ready':
        this.#sink.event(this.actorId, 'alive');
        return;
      case 'init-failed':
        // A constructor that throws will throw again: report it as the actor's death, with the cause.
        this.#die(`its constructor threw: ${m.error.message}`, m.error);
        void this.#executor?.kill();
        return;
      case 'result': {
        const attempt = this.#pending.get(m.callId) ?? 0;
        this.#pending.delete(m.callId);
        if (m.ok) this.#sink.result({ taskId: m.callId, value: m.value, attempt });
        else this.#sink.result({ taskId: m.callId, error: compileError(m.error), attempt });
      }
    }
  }

  #failCall(callId: string, attempt: number, err: Error): void {
    this.#sink.result({ taskId: callId, error: compileError(serializeError(err)), systemError: true, attempt });
  }

  #die(reason: string, cause?: SerializedError): void {
    if (this.#dead) return;
    this.#dead = true;
    const err = new ActorDiedError(this.actorId, reason);
    for (const [callId, attempt] of this.#pending) this.#failCall(callId, attempt, err);
    this.#pending.clear();
    this.#sink.event(this.actorId, 'dead', cause ?? serializeError(err));
  }

  async kill(reason: string): Promise<void> {
    const wasDead = this.#dead;
    this.#dead = true;
    await this.#executor?.kill();
    if (!wasDead) {
      const err = new ActorDiedError(this.actorId, reason);
      for (const [callId, attempt] of this.#pending) this.#failCall(callId, attempt, err);
      this.#pending.clear();
    }
  }
}
