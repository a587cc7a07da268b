/**
 * A pool thread: runs a batch of tasks one after another and returns their encoded results.
 * Decoding arguments and encoding results happen here, off the node's main thread, so the RPC loop
 * stays responsive however heavy the values are.
 */
import { decodeValue, encodeValue } from '../../common/serialization.ts';
import { serializeError } from '../../common/errors.ts';
import { loadFunction } from '../runtime/load-function.ts';
import { setCurrentTask } from '../../common/runtime-context.ts';
import type { BatchReply, BatchRequest, ThreadResult } from './messages.ts';

export default async function runBatch(req: BatchRequest): Promise<BatchReply> {
  const results: ThreadResult[] = [];
  for (const task of req.tasks) {
    try {
      const fn = await loadFunction(task.moduleUrl, task.exportName);
      const args = task.args.map(decodeValue);
      setCurrentTask(task.taskId);
      let value = fn(...args);
      if (value instanceof Promise) value = await value;
      results.push({ taskId: task.taskId, ok: true, value: toShared(encodeValue(value), req.sharedResultBytes) });
    } catch (err) {
      results.push({ taskId: task.taskId, ok: false, error: serializeError(err) });
    } finally {
      setCurrentTask(undefined);
    }
  }
  return { results };
}

/** Large results move into shared memory once here, then travel to the store and other threads by reference. */
function toShared(bytes: Uint8Array, threshold: number): Uint8Array {
  if (bytes.byteLength < threshold || bytes.buffer instanceof SharedArrayBuffer) return bytes;
  const shared = new Uint8Array(new SharedArrayBuffer(bytes.byteLength));
  shared.set(bytes);
  return shared;
}
