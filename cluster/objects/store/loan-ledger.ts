/**
 * Store memory lent to pool threads, by loan number: objects they read (`lend`) and buffers they write a new
 * object into (`lendBuffer`). A thread gives a loan back once it has dropped every view of the memory
 * (objects/memory-loans.ts is the thread's side); until then the memory is never reused. A loan not back
 * within its TTL is written off: its memory goes to the GC, so a thread that died or holds on for good costs
 * one buffer, never a wrong read. Ray's plasma store keeps the same ledger as reference counts per client.
 */
import type { BufferPool, ObjectMemory } from './buffer-pool.ts';

/**
 * Memory lent to a pool thread, and the number to give back when the thread has dropped every view of it.
 * No loan for memory that could never be reused anyway (not from the pool: small, or made elsewhere).
 */
export interface Loan {
  readonly bytes: Uint8Array;
  readonly loan?: number;
}

interface Outstanding {
  readonly mem: ObjectMemory;
  readonly done: () => void;
  readonly at: number;
}

export class LoanLedger {
  /** Memory lent to threads (objects they read, buffers they write), by loan number. */
  readonly #out = new Map<number, Outstanding>();
  /** Buffers lent for a new object that has not been put yet, by loan number. */
  readonly #unattached = new Map<number, { mem: ObjectMemory; at: number }>();
  #seq = 0;
  #sweeper: NodeJS.Timeout | undefined;

  constructor(
    private readonly pool: BufferPool,
    readonly ttlMs: number,
  ) {}

  /** Loans not given back yet. */
  get outstanding(): number {
    return this.#out.size;
  }

  /** An object's memory lent to a thread; memory the pool did not make is handed out for good instead. */
  lend(mem: ObjectMemory): Loan {
    if (!this.pool.owns(mem.bytes)) return { bytes: mem.escape() };
    const loan = this.#open(mem);
    return { bytes: mem.bytes, loan };
  }

  /** A buffer of exactly `size` bytes lent to a thread to write a new object into, then `attach`. */
  lendBuffer(size: number, make: (bytes: Uint8Array) => ObjectMemory): Required<Loan> {
    const mem = make(this.pool.allocate(size));
    const loan = this.#open(mem);
    this.#unattached.set(loan, { mem, at: Date.now() });
    return { bytes: mem.bytes, loan };
  }

  /** The buffer lent under `loan` that a thread wrote object `id` (`length` bytes, the whole buffer) into. */
  attach(loan: number, id: string, length: number): ObjectMemory {
    const mem = this.#unattached.get(loan)?.mem;
    if (!mem) throw new Error(`no buffer is lent under loan ${loan} (it expired after ${this.ttlMs} ms, or was put already)`);
    if (length !== mem.bytes.byteLength) throw new Error(`object ${id} is ${length} bytes but its buffer (loan ${loan}) holds ${mem.bytes.byteLength}`);
    this.#unattached.delete(loan);
    return mem;
  }

  /** Loans the threads gave back: nothing there reads their memory any more. Unknown numbers are ignored. */
  giveBack(loans: readonly number[]): void {
    for (const n of loans) {
      const l = this.#out.get(n);
      if (!l) continue;
      this.#out.delete(n);
      l.done();
    }
  }

  /** Writes off every loan (the store closes). */
  close(): void {
    this.#expire(true);
  }

  #open(mem: ObjectMemory): number {
    const n = ++this.#seq;
    this.#out.set(n, { mem, done: mem.borrow(), at: Date.now() });
    this.#sweeper ??= setInterval(() => this.#expire(), Math.max(250, this.ttlMs / 4)).unref();
    return n;
  }

  /** Writes off loans older than the TTL: their memory is left to the GC, never reused. */
  #expire(all = false): void {
    const cutoff = all ? Number.POSITIVE_INFINITY : Date.now() - this.ttlMs;
    for (const [n, l] of this.#out) {
      if (l.at > cutoff) continue;
      this.#out.delete(n);
      l.mem.escape();
      l.done();
    }
    // Never put (the task failed, was cancelled, or its result went inline): the GC takes the memory.
    for (const [n, u] of this.#unattached) if (u.at <= cutoff) this.#unattached.delete(n);
    if (this.#out.size === 0 && this.#unattached.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }
}
