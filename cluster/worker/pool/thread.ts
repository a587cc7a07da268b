/**
 * A pool thread: runs a batch of tasks one after another and returns their encoded results.
 * Decoding arguments and encoding results happen here, off the node's main thread, so the RPC loop
 * stays responsive however heavy the values are.
 */
import { decodeValue, encodeValue } from '../../common/serialization.ts';
import { serializeError } from '../../common/errors.ts';
import { loadFunction } from '../runtime/load-function.ts';
import { runAsTask } from '../../common/runtime-context.ts';
import { noteEscapedRefs } from '../../common/ref-walk.ts';
import type { BatchReply, BatchRequest, ThreadResult } from './messages.ts';

export default async function runBatch(req: BatchRequest): Promise<BatchReply> {
  const results: ThreadResult[] = [];
  for (const task of req.tasks) {
    let start = 0;
    try {
      const fn = await loadFunction(task.moduleUrl, task.exportName);
      start = performance.now();
      const args = task.args.map(decodeValue);
      let value = runAsTask(task.taskId, () => fn(...args));
      if (value instanceof Promise) value = await value;
      noteEscapedRefs(value);
      const bytes = encodeValue(value, req.sharedResultBytes);
      results.push({ taskId: task.taskId, ok: true, value: bytes, micros: micros(start) });
    } catch (err) {
      results.push({ taskId: task.taskId, ok: false, error: serializeError(err), micros: start ? micros(start) : 0 });
    }
  }
  return { results };
}

function micros(start: number): number {
  return Math.min(0xffffffff, Math.round((performance.now() - start) * 1000));
}
