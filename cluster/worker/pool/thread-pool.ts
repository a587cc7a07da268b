/**
 * The node's CPU executor: a piscina pool with one thread per CPU. A CPU-heavy task occupies a thread, never
 * the node's main thread, so heartbeats and RPCs keep flowing.
 */
import { Piscina } from 'piscina';
import { WorkerDiedError } from '../../common/errors.ts';
import { threadEntry } from '../../common/spawn.ts';
import type { BatchReply, BatchRequest, ThreadTask } from './messages.ts';

export interface ThreadPoolOptions {
  /** Threads in the pool. @default the node's CPU count */
  threads: number;
  /** Results at least this many bytes are returned in shared memory. @default 100 KiB */
  sharedResultBytes?: number;
  env?: Record<string, string>;
}

export class ThreadPoolExecutor {
  readonly #pool: Piscina;
  readonly #sharedResultBytes: number;

  constructor(opts: ThreadPoolOptions) {
    const threads = Math.max(1, Math.floor(opts.threads));
    this.#sharedResultBytes = opts.sharedResultBytes ?? 100 * 1024;
    this.#pool = new Piscina({
      filename: threadEntry('./thread.ts', './thread-boot.mjs', import.meta.url).href,
      minThreads: threads,
      maxThreads: threads,
      idleTimeout: Number.POSITIVE_INFINITY,
      // Each lease runs one batch at a time, but fractional-CPU leases can outnumber threads: let their batches
      // share a thread so async tasks (I/O, timers) interleave instead of queueing behind each other.
      // CPU-bound batches still take turns on a thread; piscina sends new work to the least busy thread first.
      concurrentTasksPerWorker: 4,
      // 'sync' atomics park an idle thread in Atomics.wait, which freezes its event loop: an async task's timers
      // and I/O would stall until the next message. 'async' waits without blocking.
      atomics: 'async',
      maxQueue: 'auto',
      env: opts.env ? { ...process.env, ...opts.env } : undefined,
    });
  }

  get threads(): number {
    return this.#pool.threads.length;
  }

  /**
   * Runs tasks in order on one thread. Rejects with WorkerDiedError when the thread dies (e.g. the task
   * called process.exit or ran out of memory) and with an AbortError when `signal` aborts.
   */
  async runBatch(tasks: readonly ThreadTask[], signal?: AbortSignal): Promise<BatchReply> {
    const req: BatchRequest = { type: 'batch', tasks, sharedResultBytes: this.#sharedResultBytes };
    try {
      return (await this.#pool.run(req, { signal })) as BatchReply;
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      throw new WorkerDiedError('local', `pool thread failed: ${(err as Error).message}`, undefined);
    }
  }

  async close(): Promise<void> {
    await this.#pool.destroy();
  }
}
