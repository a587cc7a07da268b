/**
 * A node's object store: task results too large to travel inline, `put` values, and copies pulled from other
 * nodes, kept as encoded bytes in SharedArrayBuffers so pool threads read them without a copy.
 *
 * Memory has a budget. Above it, the least recently used objects that no running task has pinned spill to a
 * local folder, and (optionally) from there to a second tier such as S3 once the folder passes its own limit.
 * A spilled object comes back on access; its file (or second-tier copy) stays, so spilling it again costs nothing. Every file of an
 * object is deleted when the object is freed, and the whole folder when the store closes: leaked spill files
 * that fill disks are the most common complaint about Ray's store.
 *
 * Memory the store can prove nobody reads any more goes back to a BufferPool and becomes the destination of
 * the next put, result, pull, restore or upload of a similar size (ObjectMemory states the rule). Pool
 * threads are lent memory under numbered loans (`lend`, `lendBuffer`) and give each back once they have
 * dropped it, so objects that tasks read are reused too, as in Ray's plasma store.
 *
 * This class is the facade the node uses; the parts follow Ray's `object_manager/plasma/`:
 * - store/object-index.ts: the objects, where each one's bytes are, pins, recency (plasma `object_store`);
 * - store/eviction-policy.ts: which objects leave a tier that is over its limit (`eviction_policy`);
 * - store/memory-budget.ts: bytes in memory against the budget (`plasma_allocator`'s footprint);
 * - store/buffer-pool.ts: freed memory kept for reuse, and when memory may be reused (`plasma_allocator`);
 * - store/loan-ledger.ts: memory lent to pool threads (`object_lifecycle_manager`'s reference counts);
 * - store/store-stats.ts: the numbers heartbeats and `convoy memory` show (`stats_collector`);
 * - spill/: the SpillTier interface, the local folder and the overflow storage, and the spiller that moves
 *   objects between memory and them.
 *
 * Ways to read: `get` (in memory, no wait), `load` (brings a spilled object back), `borrow` (for a reader the
 * store can follow: a socket), `lend` / `lendInMemory` (for a pool thread that gives a loan back); `has` and
 * `list` only look. Ways to write: `put` (bytes), `adopt` (a task's result: bytes, or a buffer lent by
 * `lendBuffer`), and `allocate` (a buffer to fill before `put`).
 */
import type { ObjectStorage } from '../storage/types.ts';
import { toShared } from './serialization.ts';
import { SingleFlight } from '../common/single-flight.ts';
import { BufferPool, ObjectMemory, type BufferPoolStats } from './store/buffer-pool.ts';
import { chooseToSpill } from './store/eviction-policy.ts';
import { LoanLedger, type Loan } from './store/loan-ledger.ts';
import { MemoryBudget } from './store/memory-budget.ts';
import { info, ObjectIndex, type Entry, type ObjectInfo } from './store/object-index.ts';
import { PendingIo } from './store/pending-io.ts';
import { collectStats, type StoreStats } from './store/store-stats.ts';
import { Spiller } from './spill/spiller.ts';

export type { ObjectInfo, ObjectPlace } from './store/object-index.ts';
export type { StoreStats } from './store/store-stats.ts';
export type { Loan } from './store/loan-ledger.ts';

export interface ObjectStoreOptions {
  budgetBytes: number;
  /** Folder for spill files; created on first spill, removed on close. */
  spillDir: string;
  /** Second tier: once the spill folder holds more than `diskBytes`, its oldest files move to `storage`. */
  overflow?: { storage: ObjectStorage; prefix: string; diskBytes: number };
  /** Told when an object arrives or leaves, so the node can keep the head's directory current. */
  onAdded?: (info: ObjectInfo) => void;
  onRemoved?: (id: string) => void;
  onError?: (err: Error, what: string) => void;
  /**
   * Freed memory kept for reuse (see BufferPool), on top of the budget: at most `maxFreeBytes`, in buffers of
   * at least `minBytes`. @default { maxFreeBytes: budgetBytes / 4, minBytes: 1 MiB }
   */
  pool?: { maxFreeBytes?: number; minBytes?: number };
  /**
   * A loan a thread has not given back after this long is written off: its memory is never reused (the GC
   * frees it once the thread drops it). Bounds what a thread that died or holds on for good costs.
   * @default 60_000
   */
  loanTtlMs?: number;
}

export class ObjectStore {
  readonly #index = new ObjectIndex();
  readonly #opts: ObjectStoreOptions;
  readonly #loads = new SingleFlight<string, ObjectMemory | undefined>();
  readonly #io = new PendingIo();
  readonly #pool: BufferPool;
  readonly #budget: MemoryBudget;
  readonly #loans: LoanLedger;
  readonly #spiller: Spiller;
  #closed = false;

  constructor(opts: ObjectStoreOptions) {
    this.#opts = opts;
    this.#pool = new BufferPool({ maxFreeBytes: opts.pool?.maxFreeBytes ?? opts.budgetBytes / 4, minBytes: opts.pool?.minBytes });
    this.#budget = new MemoryBudget(opts.budgetBytes);
    this.#loans = new LoanLedger(this.#pool, opts.loanTtlMs ?? 60_000);
    this.#spiller = new Spiller(opts, { index: this.#index, budget: this.#budget, pool: this.#pool, io: this.#io, makeRoom: () => this.#enforceBudget() });
  }

  get budgetBytes(): number {
    return this.#budget.budgetBytes;
  }

  // ---- writing ----

  /** Adds an object (replacing one with the same id), then spills others if memory is over budget. */
  put(id: string, bytes: Uint8Array, owner: string, secondary = false): void {
    this.#insert(id, new ObjectMemory(bytes, this.#pool), owner, secondary);
  }

  /**
   * Adds an object a task produced: written into a buffer lent under `loan` (the store takes its own buffer
   * back), or plain bytes, shared once so threads read them without copies. Returns the size.
   */
  adopt(id: string, owner: string, from: { loan: number; length: number } | { bytes: Uint8Array }): number {
    if ('loan' in from) {
      // `length`, the object's size, must be the whole buffer's: the thread asked for exactly that.
      this.#insert(id, this.#loans.attach(from.loan, id, from.length), owner, false);
      return from.length;
    }
    const shared = toShared(from.bytes);
    this.put(id, shared, owner);
    return shared.byteLength;
  }

  /**
   * A buffer of `size` bytes for an object about to arrive (a pull, an upload), reusing freed memory when it
   * can. Fill it completely, then `put` it; a buffer that is never put is simply dropped.
   */
  allocate(size: number): Uint8Array {
    return this.#pool.allocate(size);
  }

  #insert(id: string, mem: ObjectMemory, owner: string, secondary: boolean): void {
    const old = this.#index.get(id);
    if (old) this.#drop(old, false);
    const e: Entry = { id, size: mem.bytes.byteLength, owner, secondary, mem: undefined, place: 'memory', copy: undefined, pins: 0 };
    this.#index.add(e);
    this.#budget.admit(e, mem);
    this.#opts.onAdded?.(info(e));
    this.#enforceBudget();
  }

  // ---- lending to pool threads ----

  /**
   * The bytes lent to a pool thread that reports when it has dropped them (`returnLoans`): unlike `get`, the
   * memory can be reused once the object is freed and every loan on it is back. Brings spilled objects back
   * first; undefined when the store has no such object.
   */
  async lend(id: string): Promise<Loan | undefined> {
    const mem = await this.#load(id);
    return mem && this.#loans.lend(mem);
  }

  /** `lend` for an object already in memory (no waiting); undefined when absent or spilled. */
  lendInMemory(id: string): Loan | undefined {
    const e = this.#index.get(id);
    if (!e?.mem) return undefined;
    this.#index.touch(e);
    return this.#loans.lend(e.mem);
  }

  /** A buffer of exactly `size` bytes lent to a thread to write a new object into, then `adopt`. */
  lendBuffer(size: number): Required<Loan> {
    return this.#loans.lendBuffer(size, (bytes) => new ObjectMemory(bytes, this.#pool));
  }

  /** Loans the threads gave back: nothing there reads their memory any more. Unknown numbers are ignored. */
  returnLoans(loans: readonly number[]): void {
    this.#loans.giveBack(loans);
  }

  // ---- reading ----

  has(id: string): boolean {
    return this.#index.has(id);
  }

  /** The bytes if they are in memory (marks the object as recently used); undefined when absent or spilled. */
  get(id: string): Uint8Array | undefined {
    const e = this.#index.get(id);
    if (!e?.mem) return undefined;
    this.#index.touch(e);
    return e.mem.escape();
  }

  /** The bytes, bringing a spilled object back into memory first. Undefined when the store has no such object. */
  async load(id: string): Promise<Uint8Array | undefined> {
    return (await this.#load(id))?.escape();
  }

  /**
   * The bytes for a reader the store can follow (a transfer to a socket), pinned in memory until `release`.
   * Unlike `get` and `load`, this keeps the buffer reusable once the reader is done and the object is freed.
   */
  async borrow(id: string): Promise<{ bytes: Uint8Array; release: () => void } | undefined> {
    const mem = await this.#load(id);
    const e = this.#index.get(id);
    if (!mem || !e) return undefined;
    e.pins++;
    const done = mem.borrow();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (this.#index.holds(e)) this.unpin(id);
      done();
    };
    return { bytes: mem.bytes, release };
  }

  #load(id: string): Promise<ObjectMemory | undefined> {
    const e = this.#index.get(id);
    if (!e) return Promise.resolve(undefined);
    if (e.mem) {
      this.#index.touch(e);
      return Promise.resolve(e.mem);
    }
    return this.#loads.run(id, () => this.#spiller.restore(e));
  }

  list(): ObjectInfo[] {
    return [...this.#index.values()].map(info);
  }

  // ---- pinning and freeing ----

  /** A pinned object is never spilled: a task is reading it. Pins nest. */
  pin(id: string): void {
    const e = this.#index.get(id);
    if (e) e.pins++;
  }

  unpin(id: string): void {
    const e = this.#index.get(id);
    if (!e || e.pins === 0) return;
    e.pins--;
    if (e.pins === 0) this.#enforceBudget();
  }

  /** Frees an object: memory now, its spill file and second-tier copy as soon as the I/O completes. */
  delete(id: string): boolean {
    const e = this.#index.get(id);
    if (!e) return false;
    this.#drop(e, true);
    return true;
  }

  // ---- stats and lifecycle ----

  stats(): StoreStats {
    return collectStats(this.#index.values(), {
      objects: this.#index.size,
      usedBytes: this.#budget.usedBytes,
      diskBytes: this.#spiller.diskBytes,
      budgetBytes: this.#budget.budgetBytes,
      lentBuffers: this.#loans.outstanding,
      pool: this.#pool.stats(),
    });
  }

  poolStats(): BufferPoolStats {
    return this.#pool.stats();
  }

  /** Resolves when every spill, restore and delete started so far has finished. */
  idle(): Promise<void> {
    return this.#io.idle();
  }

  /** Drops every object and removes the spill folder. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
    for (const e of [...this.#index.values()]) this.#drop(e, true);
    await this.idle();
    this.#index.clear();
    this.#budget.reset();
    this.#loans.close();
    this.#pool.close();
    this.#spiller.close();
  }

  #drop(e: Entry, notify: boolean): void {
    this.#index.remove(e);
    this.#budget.release(e);
    e.place = 'memory';
    this.#spiller.forget(e);
    if (notify) this.#opts.onRemoved?.(e.id);
  }

  /** Spills least recently used, unpinned objects until memory fits the budget. */
  #enforceBudget(): void {
    const over = this.#budget.overBytes;
    if (over <= 0 || this.#closed) return;
    for (const e of chooseToSpill(this.#index.values(), over)) this.#spiller.spill(e);
  }
}
