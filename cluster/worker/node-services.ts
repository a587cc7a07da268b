/** What a task stream and its actors need from their node, as one interface (so they never import the node). */
import type { Logger } from '../common/logger.ts';
import type { FunctionRef } from '../proto/convert.ts';
import type { Arg__Output } from '../proto/generated/convoy/v1/Arg.ts';
import type { ObjectLocation } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { ThreadPoolExecutor } from './pool/thread-pool.ts';
import type { GpuExecutor } from './gpu/gpu-executor.ts';
import type { ActorExecutors } from './actors/executor.ts';
import type { ClientStream } from './client-stream.ts';

export interface LentArgs {
  bytes: Uint8Array[];
  /** Per argument: the loan its bytes are lent under, or undefined (inline values, memory not lent). */
  loans: (number | undefined)[];
}

/** A task's arguments as bytes (argument-resolver.ts). Referenced objects stay pinned until `release`. */
export interface TaskArguments {
  /** Turns arguments into encoded bytes, pulling referenced objects from other nodes where needed. */
  resolve(args: readonly Arg__Output[]): Promise<Uint8Array[]>;
  /**
   * `resolve` for a pool thread: the store lends the bytes (`loans[i]` for object arguments) and the thread
   * gives each loan back once it has dropped them, so the memory can be reused after the object is freed.
   */
  lend(args: readonly Arg__Output[]): Promise<LentArgs>;
  /** Gives back loans of arguments that never reached a thread. */
  returnLoans(loans: readonly (number | undefined)[]): void;
  /** Unpins what resolve or lend pinned, once the task is done with its arguments. */
  release(args: readonly Arg__Output[]): void;
}

export interface NodeServices {
  readonly nodeId: string;
  readonly log: Logger;
  readonly pool: ThreadPoolExecutor;
  /** Per-GPU trainer processes, for tasks leased with `gpu`. */
  readonly gpus: GpuExecutor;
  /** The CUDA device (CUDA_VISIBLE_DEVICES entry) behind the scheduler's GPU index. */
  gpuDevice(index: number): string;
  /** Actor threads and processes (with a booted spare thread ready). */
  readonly actorExecutors: ActorExecutors;
  /** Results below this many bytes travel inline in the reply. */
  readonly inlineThreshold: number;
  /** Environment for actor threads and processes (cluster address, token, node id). */
  readonly childEnv: Record<string, string>;
  /** Arguments of tasks and actor calls, from inline values and the node's object store. */
  readonly args: TaskArguments;
  /** The URL this node imports a function's module from (an uploaded package is fetched once). */
  resolveModule(fn: FunctionRef): Promise<string>;
  /** Keeps a task's result; `loan` when a pool thread wrote it into memory the store lent. */
  storeResult(objectId: string, bytes: Uint8Array, owner: string, loan?: number): ObjectLocation;
  /** A stream ended (the client left or the node closes it): the node stops counting it. */
  streamClosed(stream: ClientStream, reason: string): void;
}
