/**
 * The pool-thread side of lending store memory: knowing when a thread has let go of a buffer the node's store
 * lent it, so the store can reuse that memory instead of faulting in fresh pages (on the VMs measured here a
 * copy into fresh memory runs at ~1 GB/s, into reused memory at ~7 GB/s: see store/buffer-pool.ts).
 *
 * Why it is sound: a SharedArrayBuffer that arrives in a message gets its own wrapper object in this thread,
 * and every view of it made here (a Uint8Array, an Arrow column, a subarray) holds that wrapper. So once the
 * wrapper is garbage-collected nothing in this thread can read the memory; a FinalizationRegistry on it tells
 * us when, and the thread gives the loan back. Ray's plasma store does the same with reference counts on
 * the Python buffers it hands out.
 *
 * What would break it: a second wrapper this thread cannot see, made by sending the memory on — to a Worker,
 * MessageChannel or BroadcastChannel of the task's own, or through structuredClone (which shares, not copies,
 * shared memory). Those are rare in tasks, so instead of forbidding them, the first use of any of them in a
 * pool thread stops that thread giving loans back for good: its buffers are then never reused (they go to the
 * GC as before), which costs speed, never correctness.
 *
 * Threads only collect garbage when they allocate; a pool thread that read a large object and went idle might
 * keep its wrapper for minutes. So after a batch that took in at least COLLECT_AFTER_BYTES of lent memory,
 * the thread runs a full GC when `gc` is exposed (worker nodes start with --expose-gc): a few milliseconds,
 * against the hundreds a fresh buffer of that size costs.
 */
import { syncBuiltinESMExports } from 'node:module';
import workerThreads from 'node:worker_threads';

const COLLECT_AFTER_BYTES = 32 * 1024 * 1024;

let guarded = false;
let untrackable = false;
let internal = 0;
let lentSinceCollect = 0;
let reporter: ((loans: number[]) => void) | undefined;
/** Loans whose memory nothing in this thread can read any more, not yet given back. */
const released: number[] = [];
let flushScheduled = false;

const registry = new FinalizationRegistry<number>((loan) => {
  if (untrackable) return;
  released.push(loan);
  scheduleFlush();
});

function scheduleFlush(): void {
  if (flushScheduled || !reporter) return;
  flushScheduled = true;
  setImmediate(() => {
    flushScheduled = false;
    if (!reporter || released.length === 0) return;
    reporter(released.splice(0));
  });
}

/** Whether this thread can hold lent memory: guards installed and never tripped. */
export function tracksLoans(): boolean {
  return guarded && !untrackable;
}

/**
 * Watches for the ways a task could share memory beyond this thread's sight (see above). Called once when a
 * pool thread boots, before any task code loads.
 */
export function installLoanGuards(): void {
  if (guarded || workerThreads.isMainThread) return;
  guarded = true;
  const trip = () => {
    if (internal === 0) untrackable = true;
  };
  const wt = workerThreads as unknown as Record<string, unknown>;
  for (const name of ['Worker', 'MessageChannel', 'BroadcastChannel'] as const) {
    const Original = wt[name] as new (...args: unknown[]) => object;
    // A subclass keeps `instanceof`, static members and the prototype chain the same for code that uses them.
    const Guarded = class extends Original {
      constructor(...args: unknown[]) {
        trip();
        super(...args);
      }
    };
    Object.defineProperty(Guarded, 'name', { value: name });
    wt[name] = Guarded;
    if ((globalThis as Record<string, unknown>)[name] === Original) (globalThis as Record<string, unknown>)[name] = Guarded;
  }
  const clone = globalThis.structuredClone;
  globalThis.structuredClone = ((...args: Parameters<typeof structuredClone>) => {
    trip();
    return clone(...args);
  }) as typeof structuredClone;
  syncBuiltinESMExports();
}

/** Runs Convoy's own channel setup without tripping the guards. */
export function internally<T>(fn: () => T): T {
  internal++;
  try {
    return fn();
  } finally {
    internal--;
  }
}

/** Where loans this thread gives back go (the node channel sets this when it opens). */
export function returnLoansTo(fn: (loans: number[]) => void): void {
  reporter = fn;
  scheduleFlush();
}

/** Notes that `bytes` (as received in this thread) are lent under `loan`; given back once nothing here can read them. */
export function holdLoan(bytes: Uint8Array, loan: number): void {
  if (untrackable) return;
  registry.register(bytes.buffer, loan);
  lentSinceCollect += bytes.buffer.byteLength;
}

/** After a batch: collect soon if much lent memory came in, so its loans go back while they are useful. */
export function collectLoansSoon(): void {
  if (lentSinceCollect < COLLECT_AFTER_BYTES) return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (typeof gc !== 'function') return;
  lentSinceCollect = 0;
  setImmediate(gc);
}
