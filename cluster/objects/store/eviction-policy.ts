/**
 * Which objects leave a tier that is over its limit: the least recently used first, as Ray's plasma
 * `LRUCache` (eviction_policy.cc) chooses, skipping what readers pin. Decisions only, from the index's
 * recency order; the store and its spiller do the I/O.
 */
import type { Entry } from './object-index.ts';

/** Objects to spill from memory, oldest first, until `overBytes` are on their way out. */
export function chooseToSpill(byRecency: Iterable<Entry>, overBytes: number): Entry[] {
  const chosen: Entry[] = [];
  for (const e of byRecency) {
    if (overBytes <= 0) break;
    if (e.place !== 'memory' || e.pins > 0 || !e.mem) continue;
    overBytes -= e.size;
    chosen.push(e);
  }
  return chosen;
}

/** Objects whose local spill file moves on to the overflow tier, oldest first, until `overBytes` have gone. */
export function chooseToOverflow(byRecency: Iterable<Entry>, overBytes: number): Entry[] {
  const chosen: Entry[] = [];
  for (const e of byRecency) {
    if (overBytes <= 0) break;
    if (e.place !== 'disk' || e.copy !== 'disk') continue;
    overBytes -= e.size;
    chosen.push(e);
  }
  return chosen;
}
