/**
 * A pool thread: runs a batch of tasks one after another and returns their encoded results.
 * Decoding arguments and encoding results happen here, off the node's main thread, so the RPC loop
 * stays responsive however heavy the values are.
 *
 * Object arguments arrive as memory the node's store lends; large results are written into memory it lends.
 * The thread gives the loans back once it has dropped the bytes (objects/memory-loans.ts), so the store can
 * reuse that memory for the next object instead of faulting in new pages.
 */
import { decodeValue } from '../../objects/serialization.ts';
import { serializeError } from '../../common/errors.ts';
import { loadFunction } from '../runtime/load-function.ts';
import { runAsTask } from '../../common/runtime-context.ts';
import { noteEscapedRefs } from '../../objects/ref-walk.ts';
import { collectLoansSoon, holdLoan, installLoanGuards } from '../../objects/memory-loans.ts';
import { encodeForNode, nodeChannel } from '../../objects/node-channel.ts';
import { captureTaskOutput } from '../runtime/task-output.ts';
import type { BatchReply, BatchRequest, ThreadResult } from './messages.ts';

// Before any task module loads; opening the channel now has it ready by the first large result.
// (A trainer process runs this module too: it has no node channel and shares no memory.)
installLoanGuards();
nodeChannel();
captureTaskOutput();

export default async function runBatch(req: BatchRequest): Promise<BatchReply> {
  for (const task of req.tasks) task.loans?.forEach((loan, i) => loan !== undefined && holdLoan(task.args[i]!, loan));
  const results: ThreadResult[] = [];
  for (const task of req.tasks) {
    let start = 0;
    try {
      const fn = await loadFunction(task.moduleUrl, task.exportName);
      start = performance.now();
      const args = task.args.map(decodeValue);
      let value = runAsTask(task.taskId, () => fn(...args), task.jobId);
      if (value instanceof Promise) value = await value;
      noteEscapedRefs(value);
      const { bytes, loan } = encodeForNode(value, req.sharedResultBytes);
      results.push({ taskId: task.taskId, ok: true, value: bytes, micros: micros(start), loan });
    } catch (err) {
      results.push({ taskId: task.taskId, ok: false, error: serializeError(err), micros: start ? micros(start) : 0 });
    }
  }
  collectLoansSoon();
  return { results };
}

function micros(start: number): number {
  return Math.min(0xffffffff, Math.round((performance.now() - start) * 1000));
}
