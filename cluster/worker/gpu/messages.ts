/** Messages between a worker node and one of its per-GPU trainer processes. */
import type { BatchReply, BatchRequest } from '../pool/messages.ts';

export type ToTrainer = { readonly type: 'batch'; readonly id: number; readonly req: BatchRequest };
export type FromTrainer = { readonly type: 'reply'; readonly id: number; readonly reply: BatchReply } | { readonly type: 'ready' };
