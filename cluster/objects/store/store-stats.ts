/** What a node's store holds and how its memory is used (Ray's plasma stats collector), for heartbeats and `convoy memory`. */
import type { BufferPoolStats } from './buffer-pool.ts';
import type { Entry } from './object-index.ts';

// The store's stats are the contract `convoy memory` and the dashboard read: one definition, in cluster/api.
import type { StoreStats } from '../../api/head-api.ts';
export type { StoreStats };

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
