/**
 * What the running task can learn about itself (its id). Async tasks from different leases may interleave on
 * one pool thread, so the id is carried by AsyncLocalStorage rather than a global.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface TaskContext {
  readonly taskId: string;
  /** The job of the task's owner, when it runs under one (tags the task's output in the node's log). */
  readonly jobId?: string;
}

const storage = new AsyncLocalStorage<TaskContext>();

export function runAsTask<T>(taskId: string, fn: () => T, jobId?: string): T {
  return storage.run({ taskId, jobId }, fn);
}

/** The id of the task or actor call running in this async context, or undefined outside one. */
export function currentTaskId(): string | undefined {
  return storage.getStore()?.taskId;
}

/** The task running in this async context and its job, or undefined outside one. */
export function currentTaskContext(): TaskContext | undefined {
  return storage.getStore();
}
