/**
 * What an owner tells the head's task log about the tasks it pushes (the dashboard's tasks page, GET
 * /api/tasks, `convoy timeline`), after Ray's task events: buffered here and sent with the task counts, a
 * batch at a time. A task that starts and ends between two reports costs one entry, not two.
 *
 * The buffer is bounded: an owner running tens of thousands of tiny tasks a second must not spend its time
 * (or the head's) on bookkeeping, so past `maxPerReport` entries new ones are counted as dropped instead
 * (Ray drops task events past its buffer the same way and says how many). Failures push out finished
 * entries first: they are what people look for.
 */
import type { TaskEvent } from '../proto/convert.ts';
import type { TaskRecord } from './task-record.ts';

/** An error's text is kept up to this many characters (a stack can be long; the task log is bounded in bytes too). */
const ERROR_CHARS = 2000;

export class TaskEventBuffer {
  readonly #pending = new Map<string, TaskEvent>();
  /** Entries in the buffer that are not failures: a failure may take the place of one when it is full. */
  #notFailed = 0;
  #dropped = 0;

  constructor(private readonly maxPerReport = 2000) {}

  /** Pushed to a worker on `nodeId`. */
  running(task: TaskRecord, nodeId: string): void {
    task.nodeId = nodeId;
    task.dispatchedAt = Date.now();
    task.runMicros = undefined;
    this.#put({ taskId: task.taskId, name: task.name, state: 'running', nodeId, attempt: task.attempt, submittedAt: task.submittedAt, startedAt: task.dispatchedAt });
  }

  /**
   * The attempt ended. `runMicros` (the worker's time in the function) places its start more truly than the
   * dispatch time, which includes the wait in the worker's queue.
   */
  settled(task: TaskRecord, outcome: 'finished' | 'failed', runMicros: number, error?: Error): void {
    if (task.dispatchedAt === undefined) return; // never ran: nothing for the log (a failed argument, a cancel in the queue)
    const endedAt = Date.now();
    const startedAt = runMicros > 0 ? Math.max(task.dispatchedAt, endedAt - runMicros / 1000) : task.dispatchedAt;
    this.#put({
      taskId: task.taskId,
      name: task.name,
      state: outcome,
      nodeId: task.nodeId ?? '',
      attempt: task.attempt,
      submittedAt: task.submittedAt,
      startedAt,
      endedAt,
      ...(error ? { error: errorText(error) } : {}),
    });
    task.dispatchedAt = undefined;
  }

  /** The entries since the last call, and how many were shed; undefined when there is nothing to say. */
  take(): { events: TaskEvent[]; dropped: number } | undefined {
    if (this.#pending.size === 0 && this.#dropped === 0) return undefined;
    const out = { events: [...this.#pending.values()], dropped: this.#dropped };
    this.#pending.clear();
    this.#notFailed = 0;
    this.#dropped = 0;
    return out;
  }

  #put(e: TaskEvent): void {
    const before = this.#pending.get(e.taskId);
    if (before || this.#pending.size < this.maxPerReport) return this.#set(e, before);
    if (e.state === 'failed' && this.#notFailed > 0) {
      // Insertion order: the oldest non-failure is near the front (failures that took places went to the back).
      for (const p of this.#pending.values()) {
        if (p.state === 'failed') continue;
        this.#pending.delete(p.taskId);
        this.#notFailed--;
        break;
      }
      this.#set(e, undefined);
    }
    this.#dropped++;
  }

  #set(e: TaskEvent, before: TaskEvent | undefined): void {
    if (before && before.state !== 'failed') this.#notFailed--;
    if (e.state !== 'failed') this.#notFailed++;
    this.#pending.set(e.taskId, e);
  }
}

function errorText(err: Error): string {
  const text = `${err.name}: ${err.message}`;
  return text.length > ERROR_CHARS ? `${text.slice(0, ERROR_CHARS)}…` : text;
}
