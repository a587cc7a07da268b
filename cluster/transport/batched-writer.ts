/**
 * One batched writer for every "collect what this tick produced, send it as one message" path, after Dask's
 * `BatchedSend` (distributed/batched.py): items queue, one flush is scheduled when the first arrives, and the
 * flush hands the whole queue to `write` at once. A unary gRPC call costs about 0.4 ms here and a stream
 * message a fraction of that, so 20,000 `remote()` calls in one loop must become a few messages, not 20,000.
 *
 * The schedule is the caller's choice, because the right one depends on who produces the items:
 * - `microtask` flushes after the producer's synchronous code: a loop still becomes one batch, and a lone item
 *   (a `get()` right after `remote()`) leaves without waiting for the next event-loop turn.
 * - `immediate` flushes on the next turn of the event loop, so items from several callbacks (I/O completions,
 *   timers) of one turn share a batch.
 * - `{ intervalMs }` flushes at most once per interval, as BatchedSend does, for traffic worth delaying.
 *
 * `flush()` sends the queue now; callers use it to keep order when another kind of message must follow the
 * items already queued. `close()` flushes and stops; `abort()` drops the queue and stops.
 */

export type FlushSchedule = 'microtask' | 'immediate' | { readonly intervalMs: number };

export interface BatchedWriterOptions<T> {
  /** Sends one batch (never empty). */
  readonly write: (batch: T[]) => void;
  /** When a batch leaves after its first item was queued. @default 'microtask' */
  readonly schedule?: FlushSchedule;
  /** A batch this long leaves at once, so no message outgrows the transport's limits. @default Infinity */
  readonly maxBatch?: number;
}

export class BatchedWriter<T> {
  readonly #write: (batch: T[]) => void;
  readonly #schedule: FlushSchedule;
  readonly #maxBatch: number;
  #queue: T[] = [];
  /** A flush is scheduled and has not run yet. */
  #scheduled = false;
  #timer: NodeJS.Timeout | undefined;
  #stopped = false;

  constructor(options: BatchedWriterOptions<T>) {
    this.#write = options.write;
    this.#schedule = options.schedule ?? 'microtask';
    this.#maxBatch = options.maxBatch ?? Infinity;
    if (!(this.#maxBatch >= 1)) throw new RangeError(`maxBatch must be at least 1, got ${String(options.maxBatch)}`);
    if (typeof this.#schedule === 'object' && !(this.#schedule.intervalMs >= 0)) {
      throw new RangeError(`schedule.intervalMs must be 0 or more, got ${String(this.#schedule.intervalMs)}`);
    }
  }

  /** Items queued and not sent yet. */
  get length(): number {
    return this.#queue.length;
  }

  get stopped(): boolean {
    return this.#stopped;
  }

  /** Queues an item; it leaves with the next flush (at once when the batch is full). Ignored once stopped. */
  push(item: T): void {
    if (this.#stopped) return;
    this.#queue.push(item);
    if (this.#queue.length >= this.#maxBatch) this.flush();
    else if (!this.#scheduled) this.#wake();
  }

  /** Sends what is queued now. The scheduled flush, if any, still runs and sends whatever came after. */
  flush(): void {
    if (this.#queue.length === 0) return;
    const batch = this.#queue;
    this.#queue = [];
    this.#write(batch);
  }

  /** Sends what is queued, then ignores later items. */
  close(): void {
    if (this.#stopped) return;
    this.flush();
    this.#stop();
  }

  /** Drops what is queued and ignores later items (the other end is gone: nothing can be sent). */
  abort(): void {
    this.#queue = [];
    this.#stop();
  }

  #stop(): void {
    this.#stopped = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #wake(): void {
    this.#scheduled = true;
    const run = () => {
      this.#scheduled = false;
      this.#timer = undefined;
      if (!this.#stopped) this.flush();
    };
    const s = this.#schedule;
    if (s === 'microtask') queueMicrotask(run);
    else if (s === 'immediate') setImmediate(run);
    else {
      // A pending interval must not keep the process alive on its own; a caller that needs the items out
      // before exit calls close().
      this.#timer = setTimeout(run, s.intervalMs);
      this.#timer.unref();
    }
  }
}
