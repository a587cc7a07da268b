/** Messages between a worker node and one actor's thread or process (the same union for both). */
import type { SerializedError } from '../../common/errors.ts';

export type ToActor =
  | {
      readonly type: 'init';
      readonly moduleUrl: string;
      readonly className: string;
      readonly args: Uint8Array[];
      /** Set in the actor's environment before its module loads (a prestarted thread has none of it yet). */
      readonly env: Record<string, string>;
      /** The job of the actor's creator, when it has one (tags what the actor prints). */
      readonly jobId?: string;
    }
  | { readonly type: 'call'; readonly callId: string; readonly method: string; readonly args: Uint8Array[] };

export type FromActor =
  | { readonly type: 'ready' }
  | { readonly type: 'init-failed'; readonly error: SerializedError }
  | { readonly type: 'result'; readonly callId: string; readonly ok: true; readonly value: Uint8Array }
  | { readonly type: 'result'; readonly callId: string; readonly ok: false; readonly error: SerializedError };
