/**
 * What the running task can learn about itself (its id). Async tasks from different leases may interleave on
 * one pool thread, so the id is carried by AsyncLocalStorage rather than a global.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

const storage = new AsyncLocalStorage<string>();

export function runAsTask<T>(taskId: string, fn: () => T): T {
  return storage.run(taskId, fn);
}

/** The id of the task or actor call running in this async context, or undefined outside one. */
export function currentTaskId(): string | undefined {
  return storage.getStore();
}
