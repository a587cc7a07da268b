/**
 * The client's objects: `get`, `wait`, `put` and `free` over the owner object table, and where an object's bytes come
 * from or go to — inline in the store, the node's store through the node channel when this thread runs on
 * that node (shared memory, no copy), or a worker connection's data plane otherwise.
 *
 * Objects this client owns are freed when nothing references them any more (ReferenceTable decides, the
 * owner core calls `release`) or on an explicit `free`; refs owned elsewhere are borrowed and located through
 * the head's directory. A lost object is handed to lineage (`revive`), which re-runs the task that made it.
 */
import { GetTimeoutError, ObjectLostError } from '../common/errors.ts';
import { decodeValue } from '../objects/serialization.ts';
import { encodeForNode, nodeChannel } from '../objects/node-channel.ts';
import { noteEscapedRefs } from '../objects/ref-walk.ts';
import { BatchedWriter } from '../transport/batched-writer.ts';
import type { ObjectLocation__Output } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { HeadConnection } from './head-connection.ts';
import type { ObjectRef } from './object-ref.ts';
import type { ObjectEntry, OwnerObjectTable } from './owner-objects.ts';
import type { WorkerConnection } from './worker-connection.ts';

/** What the objects need from the owner core (owner-core.ts). */
export interface ObjectHost {
  readonly clientId: string;
  readonly store: OwnerObjectTable;
  readonly head: HeadConnection;
  readonly inlineThreshold: number;
  readonly closed: boolean;
  assertOpen(): void;
  /** A new ObjectRef the user will hold. */
  makeRef(id: string): ObjectRef;
  /** The user let go of every ref to `id` by freeing it explicitly. */
  dropRefs(id: string): void;
  connectionFor(nodeId: string, address: string): WorkerConnection;
  /** A connection to any live node, if one is open. */
  anyConnection(): WorkerConnection | undefined;
  /** Rebuilds a lost object from its lineage, or fails it saying why it cannot be. */
  revive(e: ObjectEntry): void;
  /** The object is gone for good: the task that made it need not be kept to rebuild it. */
  forgetLineage(id: string): void;
}

/** How many freed ids to remember, so a get of one says "freed" rather than looking for it. */
const FREED_REMEMBERED = 100_000;

export class ClientObjects {
  readonly #freed = new Set<string>();
  /** Frees go to the head once per event-loop turn: dropping 10,000 refs in a loop is one message. */
  readonly #frees: BatchedWriter<string>;
  #putSeq = 1;

  constructor(private readonly host: ObjectHost) {
    this.#frees = new BatchedWriter({ write: (ids) => host.head.freeObjects(ids), schedule: 'immediate' });
  }

  /** The owner object table entry for a ref; for a ref owned elsewhere, a placeholder filled from the head's directory. */
  entryFor(ref: ObjectRef): ObjectEntry {
    const { store } = this.host;
    const e = store.get(ref.id);
    if (e) {
      if (e.lost) this.host.revive(e);
      return e;
    }
    if (this.#freed.has(ref.id)) {
      const gone = store.create(ref.id);
      store.fail(ref.id, new ObjectLostError(ref.id, 'it was freed (every reference was dropped, or cluster.free() was called)'));
      store.delete(ref.id);
      return gone;
    }
    const placeholder = store.create(ref.id);
    this.#locateBorrowed(ref).then(
      (loc) => {
        if (loc) store.resolveStored(ref.id, loc);
        else store.fail(ref.id, new ObjectLostError(ref.id, `no node holds it (its owner is ${ref.owner}; it may have been freed or its owner may be gone)`));
      },
      (err) => store.fail(ref.id, err as Error),
    );
    return placeholder;
  }

  /**
   * Where a borrowed object (owned by another process) lives, from the head's directory. Nodes report new
   * objects once per tick, so a ref can arrive here a moment before its object is listed: ask again briefly.
   */
  async #locateBorrowed(ref: ObjectRef): Promise<ObjectLocation__Output | undefined> {
    for (let wait = 0; ; wait = wait ? wait * 2 : 25) {
      if (wait) await new Promise((r) => setTimeout(r, wait));
      const [loc] = await this.host.head.locate([ref.id]);
      if (loc || wait >= 1600 || this.host.closed) return loc;
    }
  }

  async fetchBytes(e: ObjectEntry): Promise<Uint8Array> {
    if (e.inline) return e.inline;
    const loc = e.location!;
    const local = nodeChannel();
    if (local && local.nodeId === loc.nodeId) {
      // On this thread's own node: the store's shared buffer, not a copy (and not cached: it stays there).
      const shared = await local.get(loc.objectId);
      if (shared) return shared;
    }
    const bytes = await this.host.connectionFor(loc.nodeId, loc.transferAddress).fetch(loc);
    e.inline = bytes; // keep the copy: later gets of the same object are local
    return bytes;
  }

  async get(refs: readonly ObjectRef[], timeoutMs?: number): Promise<unknown[]> {
    this.host.assertOpen();
    const entries = refs.map((r) => this.entryFor(r));
    const pending = entries.filter((e) => e.state === 'pending');
    if (pending.length) {
      const all = Promise.all(pending.map((e) => this.host.store.settled(e)));
      if (timeoutMs === undefined) await all;
      else {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<'timeout'>((r) => (timer = setTimeout(() => r('timeout'), timeoutMs)));
        const won = await Promise.race([all, timeout]);
        clearTimeout(timer);
        if (won === 'timeout') throw new GetTimeoutError(timeoutMs, entries.filter((e) => e.state === 'pending').length);
      }
    }
    const failed = entries.find((e) => e.state === 'failed');
    if (failed) throw failed.error;
    return Promise.all(entries.map(async (e) => decodeValue(e.inline ?? (await this.fetchBytes(e)))));
  }

  async wait(refs: readonly ObjectRef[], numReturns: number, timeoutMs?: number): Promise<{ ready: ObjectRef[]; notReady: ObjectRef[] }> {
    this.host.assertOpen();
    if (numReturns > refs.length) throw new RangeError(`numReturns (${numReturns}) is larger than the number of refs (${refs.length})`);
    const entries = refs.map((r) => this.entryFor(r));
    const settledCount = () => entries.filter((e) => e.state !== 'pending').length;
    if (settledCount() < numReturns && timeoutMs !== 0) {
      await new Promise<void>((resolve) => {
        let timer: NodeJS.Timeout | undefined;
        const check = () => {
          if (settledCount() >= numReturns) {
            clearTimeout(timer);
            resolve();
          }
        };
        for (const e of entries) if (e.state === 'pending') this.host.store.onSettled(e, check);
        if (timeoutMs !== undefined) timer = setTimeout(resolve, timeoutMs);
      });
    }
    const ready: ObjectRef[] = [];
    const notReady: ObjectRef[] = [];
    entries.forEach((e, i) => (e.state !== 'pending' && ready.length < numReturns ? ready : notReady).push(refs[i]!));
    return { ready, notReady };
  }

  put(value: unknown): ObjectRef {
    const { host } = this;
    host.assertOpen();
    const id = putId(host.clientId, this.#putSeq++);
    host.store.create(id);
    noteEscapedRefs(value);
    // Inside a task thread the encoding goes straight into memory the node's store lends (reused pages).
    const { bytes, loan } = encodeForNode(value, host.inlineThreshold);
    if (bytes.byteLength < host.inlineThreshold) host.store.resolveInline(id, bytes);
    else {
      this.#putRemote(id, bytes, loan).then(
        (loc) => host.store.resolveStored(id, loc as ObjectLocation__Output),
        (err) => host.store.fail(id, new ObjectLostError(id, `put failed: ${(err as Error).message}`)),
      );
    }
    return host.makeRef(id);
  }

  async #putRemote(id: string, bytes: Uint8Array, loan: number | undefined) {
    // Inside a task or actor thread: hand the shared buffer to this node's store, no copy and no socket.
    const local = nodeChannel();
    if (local) return local.put(id, this.host.clientId, bytes, loan);
    let conn = this.host.anyConnection();
    if (!conn) {
      // Ask the head for a node only once the caller's synchronous code has run: drivers build and put values
      // in one loop, and a call started inside it spends its deadline (10 s) waiting for that loop to end.
      await new Promise((resolve) => setImmediate(resolve));
      conn = this.host.anyConnection();
    }
    if (!conn) {
      const status = await this.host.head.status();
      const alive = status.nodes.filter((n) => n.state === 'alive');
      if (alive.length === 0) throw new Error('no live worker node to store the object on');
      const n = alive[Math.floor(Math.random() * alive.length)]!;
      conn = this.host.connectionFor(n.nodeId, n.address);
    }
    return conn.put(id, bytes, this.host.clientId);
  }

  /** Frees objects now, whatever references remain (a later get() fails with ObjectLostError). */
  free(refs: readonly ObjectRef[]): void {
    const { host } = this;
    for (const r of refs) {
      if (r.owner !== host.clientId) {
        // Not ours: forget our copy, and ask the head to drop it everywhere (free() is an explicit request).
        host.store.delete(r.id);
        host.head.freeObjects([r.id]);
        continue;
      }
      const e = host.store.get(r.id);
      if (e) e.orphan = false;
      host.dropRefs(r.id);
      this.release(r.id);
    }
  }

  /** Forgets an object of ours here and deletes its copies on every node (through the head's directory). */
  release(id: string): void {
    const { host } = this;
    const e = host.store.get(id);
    if (e?.state === 'pending' && !e.lost) {
      e.orphan = true; // the result is still coming: free it on arrival
      return;
    }
    host.store.delete(id);
    host.forgetLineage(id);
    this.#freed.add(id);
    if (this.#freed.size > FREED_REMEMBERED) this.#freed.delete(this.#freed.values().next().value!);
    if (e?.location) this.#frees.push(id);
  }
}

/** put() ids use ':' where task ids use '.', so the two never collide and can be told apart. */
function putId(clientId: string, n: number): string {
  return `${clientId}:${n.toString(36)}`;
}

export function isPutId(id: string): boolean {
  return id.includes(':');
}
