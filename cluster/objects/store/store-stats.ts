/** What a node's store holds and how its memory is used (Ray's plasma stats collector), for heartbeats and `convoy memory`. */
import type { BufferPoolStats } from './buffer-pool.ts';
import type { Entry } from './object-index.ts';

export interface StoreStats {
  objects: number;
  /** Bytes held in memory (counted against the budget). */
  usedBytes: number;
  /** Bytes of objects that live only on disk or in the second tier right now. */
  spilledBytes: number;
  spilledObjects: number;
  /** Bytes in the local spill folder (includes files of objects that are also back in memory). */
  diskBytes: number;
  budgetBytes: number;
  pinnedBytes: number;
  /** Freed memory kept for reuse, and how many buffers came from it or were new (BufferPool). */
  reusableBytes: number;
  reusedBuffers: number;
  freshBuffers: number;
  /** Buffers lent to pool threads, not given back yet. */
  lentBuffers: number;
}

/** The counts the store keeps as it goes; the rest is summed over the index here. */
export interface StoreCounters {
  objects: number;
  usedBytes: number;
  diskBytes: number;
  budgetBytes: number;
  lentBuffers: number;
  pool: BufferPoolStats;
}

export function collectStats(entries: Iterable<Entry>, c: StoreCounters): StoreStats {
  let spilled = 0;
  let spilledObjects = 0;
  let pinned = 0;
  for (const e of entries) {
    if (!e.mem) {
      spilled += e.size;
      spilledObjects++;
    }
    if (e.pins > 0 && e.mem) pinned += e.size;
  }
  return {
    objects: c.objects,
    usedBytes: c.usedBytes,
    spilledBytes: spilled,
    spilledObjects,
    diskBytes: c.diskBytes,
    budgetBytes: c.budgetBytes,
    pinnedBytes: pinned,
    reusableBytes: c.pool.freeBytes,
    reusedBuffers: c.pool.reused,
    freshBuffers: c.pool.fresh,
    lentBuffers: c.lentBuffers,
  };
}
