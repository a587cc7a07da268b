/**
 * The store's memory accounting (Ray's plasma allocator footprint): bytes of objects held in memory against
 * the budget, and the part of them whose spill write is in flight (still in memory, already on its way out,
 * so not counted twice when deciding what else must go).
 */
import type { ObjectMemory } from './buffer-pool.ts';
import type { Entry } from './object-index.ts';

export class MemoryBudget {
  #used = 0;
  #spilling = 0;

  constructor(readonly budgetBytes: number) {}

  get usedBytes(): number {
    return this.#used;
  }

  /** Bytes to move out before memory fits the budget (zero or less: it fits). */
  get overBytes(): number {
    return this.#used - this.#spilling - this.budgetBytes;
  }

  /** `mem` is now the object's bytes in memory: count them in. */
  admit(e: Entry, mem: ObjectMemory): void {
    e.mem = mem;
    this.#used += e.size;
  }

  /** The object's memory is no longer its bytes: count it out, and reuse it if nobody can still read it. */
  release(e: Entry): void {
    const mem = e.mem;
    if (!mem) return;
    e.mem = undefined;
    this.#used -= e.size;
    mem.drop();
  }

  spillStarted(bytes: number): void {
    this.#spilling += bytes;
  }

  spillEnded(bytes: number): void {
    this.#spilling -= bytes;
  }

  /** Every object was dropped (the store closed). */
  reset(): void {
    this.#used = 0;
  }
}
