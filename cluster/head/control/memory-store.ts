/**
 * The control store in memory (Ray's `InMemoryStoreClient`): the default, and what a head without a state
 * file runs on. Values are copied in and out (structuredClone), as a persistent backend would serialize
 * them, so a caller that changes a record without putting it back is caught here too, not only on SQLite.
 */
import type { ControlStore, Table } from './control-store.ts';
import type { ClientRecord, HeadRecord, JobRecord, LeaseRecord, NodeRecord, ObjectRecord, PlacementGroupRecord, TaskSummaryRecord, TuneRunRecord } from './records.ts';

export class MemoryTable<V> implements Table<V> {
  readonly #rows = new Map<string, V>();

  get(key: string): V | undefined {
    const v = this.#rows.get(key);
    return v === undefined ? undefined : structuredClone(v);
  }

  has(key: string): boolean {
    return this.#rows.has(key);
  }

  put(key: string, value: V): void {
    this.#rows.set(key, structuredClone(value));
  }

  delete(key: string): boolean {
    return this.#rows.delete(key);
  }

  list(): V[] {
    return [...this.#rows.values()].map((v) => structuredClone(v));
  }

  keys(): string[] {
    return [...this.#rows.keys()];
  }

  size(): number {
    return this.#rows.size;
  }
}

export class MemoryControlStore implements ControlStore {
  readonly nodes = new MemoryTable<NodeRecord>();
  readonly leases = new MemoryTable<LeaseRecord>();
  readonly objects = new MemoryTable<ObjectRecord>();
  readonly clients = new MemoryTable<ClientRecord>();
  readonly jobs = new MemoryTable<JobRecord>();
  readonly taskSummaries = new MemoryTable<TaskSummaryRecord>();
  readonly tuneRuns = new MemoryTable<TuneRunRecord>();
  readonly placementGroups = new MemoryTable<PlacementGroupRecord>();
  readonly meta = new MemoryTable<HeadRecord>();

  flush(): Promise<void> {
    return Promise.resolve();
  }

  close(): Promise<void> {
    // nothing to release
    return Promise.resolve();
  }
}
