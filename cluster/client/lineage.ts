/**
 * Lineage: for each result kept in a node's store, the task that made it, so a result whose only copy died
 * with its node is rebuilt by running that task again (Ray's `object_recovery_manager` over the lineage its
 * task manager pins). The task keeps its argument refs alive with it, so its own lost arguments are rebuilt
 * the same way, recursively, when the re-run resolves them. Inline results need no lineage: the owner holds
 * their bytes.
 */
import { ObjectLostError } from '../common/errors.ts';
import { retryDecision } from '../../scheduler/retry.ts';
import { isPutId } from './client-objects.ts';
import type { ObjectEntry, OwnerObjectTable } from './owner-objects.ts';
import type { TaskRecord } from './task-record.ts';

export interface LineageHost {
  readonly store: OwnerObjectTable;
  /** Runs a finished task again (task manager `rerun`, then its arguments and a pool). */
  rerun(task: TaskRecord): void;
}

export class Lineage {
  readonly #madeBy = new Map<string, TaskRecord>();

  constructor(private readonly host: LineageHost) {}

  /** A task's result stayed in a node's store: keep the task to rebuild it. */
  record(task: TaskRecord): void {
    if (task.fn) this.#madeBy.set(task.taskId, task);
  }

  /** The object is gone for good (freed): the task that made it need not be kept. */
  forget(id: string): void {
    this.#madeBy.delete(id);
  }

  /**
   * Brings a lost object back: re-runs the task that made it, or fails it with ObjectLostError saying why it
   * cannot be (a put() has no task; a task may have used up its retries).
   */
  revive(e: ObjectEntry): void {
    const { store } = this.host;
    const reason = e.lost!;
    const task = this.#madeBy.get(e.id);
    store.reset(e.id);
    if (!task) {
      const why = isPutId(e.id) ? 'it was created by put(), so no task can rebuild it' : 'this process does not know the task that made it';
      return store.fail(e.id, new ObjectLostError(e.id, `${reason}; ${why}`));
    }
    const d = retryDecision({ kind: 'system', attempts: task.attempt + 1, maxRetries: task.opts.maxRetries, retryExceptions: false });
    if (!d.retry) {
      return store.fail(e.id, new ObjectLostError(e.id, `${reason}; the task ${task.name} that made it cannot run again (${d.reason})`));
    }
    this.#madeBy.delete(e.id);
    this.host.rerun(task);
  }
}
