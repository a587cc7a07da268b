/**
 * The head's control state behind one interface, after Ray's `gcs/store_client/` (`StoreClient`, with
 * `InMemoryStoreClient` and `RedisStoreClient` behind it): one table per concern (nodes, leases, objects,
 * clients, jobs), each a map from a string key to a plain record.
 *
 * The operations are the ones a persistent backend can implement as they are: get, put, delete and list by
 * key, of values that survive JSON (records.ts: no Sets, Maps, class instances, timers or streams). A caller
 * that changes a record puts it back; a backend may hand out copies (the memory store does, so code that
 * forgets to put fails the same way on every backend). What cannot be stored — gRPC session streams, a job's
 * child process and log stream, a detached client's expiry timer — stays beside the store, in the module that
 * owns the table (see each module's header).
 *
 * The interface is synchronous: the head decides on the event loop's turn (a lease grant reads nodes and
 * leases and writes both). A backend whose I/O is asynchronous (Redis) keeps the table in memory and writes
 * through, as Ray's GCS managers keep their caches in front of the store client.
 */
import type { ClientRecord, HeadRecord, JobRecord, LeaseRecord, NodeRecord, ObjectRecord, PlacementGroupRecord, TaskSummaryRecord, TuneRunRecord } from './records.ts';

export interface Table<V> {
  get(key: string): V | undefined;
  has(key: string): boolean;
  /** Inserts or replaces. A replaced key keeps its place in `list()` order. */
  put(key: string, value: V): void;
  /** Returns whether the key was there. */
  delete(key: string): boolean;
  /** Every value, in the order their keys were first put. */
  list(): V[];
  keys(): string[];
  size(): number;
}

export interface ControlStore {
  /** Registered nodes, live and dead, by node id. */
  readonly nodes: Table<NodeRecord>;
  /** Granted leases, by lease id. */
  readonly leases: Table<LeaseRecord>;
  /** The object directory: where each shared object has copies, by object id. */
  readonly objects: Table<ObjectRecord>;
  /** Client sessions, attached or detached, by client id. */
  readonly clients: Table<ClientRecord>;
  /** Jobs, by job id (history: bounded by the job manager, oldest dropped first). */
  readonly jobs: Table<JobRecord>;
  /** Task counts of clients that are gone, by job id ('' for drivers outside a job); history, bounded. */
  readonly taskSummaries: Table<TaskSummaryRecord>;
  /** Placement groups, by group id. */
  readonly placementGroups: Table<PlacementGroupRecord>;
  /** Tune runs and their trials' results, by run name; history, bounded. */
  readonly tuneRuns: Table<TuneRunRecord>;
  /** The head that writes this store (one row, key 'head'): its token's hash, session, clean stop or not. */
  readonly meta: Table<HeadRecord>;
  /**
   * Resolves once every put and delete made so far is durable (a backend that writes behind, on a later turn
   * or over a connection, waits for it; the memory store resolves at once).
   */
  flush(): Promise<void>;
  /** Flushes, then releases the backend (a file, a connection). Idempotent. */
  close(): Promise<void>;
}

export const TABLE_NAMES = ['nodes', 'leases', 'objects', 'clients', 'jobs', 'taskSummaries', 'tuneRuns', 'placementGroups', 'meta'] as const satisfies readonly (keyof ControlStore)[];
export type TableName = (typeof TABLE_NAMES)[number];
