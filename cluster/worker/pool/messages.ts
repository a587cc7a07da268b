/**
 * Messages between a worker node's main thread and its pool threads. A batch of tasks crosses in one message
 * and comes back as one array: per-message overhead, not the task, is what limits tiny tasks.
 */
import type { SerializedError } from '../../common/errors.ts';

/** An argument: encoded bytes, possibly a view into a SharedArrayBuffer held by the node's object store. */
export type ThreadArg = Uint8Array;

export interface ThreadTask {
  readonly taskId: string;
  readonly moduleUrl: string;
  readonly exportName: string;
  readonly args: readonly ThreadArg[];
  /** Per argument, the store's loan of its memory: the thread gives it back once it has dropped the bytes. */
  readonly loans?: readonly (number | undefined)[];
  /** The owner's job, when it has one (tags what the task prints). */
  readonly jobId?: string;
}

export interface BatchRequest {
  readonly type: 'batch';
  readonly tasks: readonly ThreadTask[];
  /** Results at least this large are written into a SharedArrayBuffer so the store keeps them without a copy. */
  readonly sharedResultBytes: number;
}

export type ThreadResult =
  | {
      readonly taskId: string;
      readonly ok: true;
      readonly value: Uint8Array;
      readonly micros: number;
      /** The value was written into memory the store lent under this loan: the store adopts it. */
      readonly loan?: number;
    }
  | { readonly taskId: string; readonly ok: false; readonly error: SerializedError; readonly micros: number };

export interface BatchReply {
  readonly results: ThreadResult[];
}
