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
 * threads borrow memory under numbered leases (`lend`, `lendBuffer`) and give each back once they have
 * dropped it, so objects that tasks read are reused too, as in Ray's plasma store.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStorage } from '../storage/types.ts';
import { toShared } from './serialization.ts';
import { SingleFlight } from '../common/single-flight.ts';
import { BufferPool, ObjectMemory, type BufferPoolStats } from './buffer-pool.ts';

export type ObjectPlace = 'memory' | 'spilling' | 'disk' | 'remote';

export interface ObjectInfo {
  readonly id: string;
  readonly size: number;
  readonly owner: string;
  /** A copy pulled from another node (the primary lives where it was made). */
  readonly secondary: boolean;
  readonly place: ObjectPlace;
  readonly pins: number;
}

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
   * A lease a thread has not given back after this long is written off: its memory is never reused (the GC
   * frees it once the thread drops it). Bounds what a thread that died or holds on for good costs.
   * @default 60_000
   */
  leaseTtlMs?: number;
}

/**
 * Memory lent to a pool thread, and the number to give back when the thread has dropped every view of it.
 * No lease for memory that could never be reused anyway (not from the pool: small, or made elsewhere).
 */
export interface Lent {
  readonly bytes: Uint8Array;
  readonly lease?: number;
}

interface Lease {
  readonly mem: ObjectMemory;
  readonly done: () => void;
  readonly at: number;
}

interface Entry {
  readonly id: string;
  readonly size: number;
  readonly owner: string;
  readonly secondary: boolean;
  mem: ObjectMemory | undefined;
  place: ObjectPlace;
  file: string | undefined;
  remoteKey: string | undefined;
  pins: number;
}

export class ObjectStore {
  /** Insertion order is recency order: a touched entry is re-inserted at the end. */
  readonly #entries = new Map<string, Entry>();
  readonly #opts: ObjectStoreOptions;
  readonly #loads = new SingleFlight<string, ObjectMemory | undefined>();
  readonly #io = new Set<Promise<unknown>>();
  readonly #pool: BufferPool;
  #used = 0;
  /** Bytes whose spill write is in flight: still in memory, but already on their way out. */
  #spilling = 0;
  #disk = 0;
  #dirReady = false;
  #closed = false;
  /** Memory lent to threads (objects they read, buffers they write), by lease number. */
  readonly #leases = new Map<number, Lease>();
  /** Buffers lent for a new object that has not been put yet, by lease number. */
  readonly #unattached = new Map<number, { mem: ObjectMemory; at: number }>();
  #leaseSeq = 0;
  #leaseSweeper: NodeJS.Timeout | undefined;

  constructor(opts: ObjectStoreOptions) {
    this.#opts = opts;
    this.#pool = new BufferPool({ maxFreeBytes: opts.pool?.maxFreeBytes ?? opts.budgetBytes / 4, minBytes: opts.pool?.minBytes });
  }

  get budgetBytes(): number {
    return this.#opts.budgetBytes;
  }

  /** Adds an object (replacing one with the same id), then spills others if memory is over budget. */
  put(id: string, bytes: Uint8Array, owner: string, secondary = false): void {
    this.#insert(id, new ObjectMemory(bytes, this.#pool), owner, secondary);
  }

  /**
   * Adds an object whose bytes a thread wrote into a buffer from `lendBuffer` (`length`, the object's size,
   * must be the buffer's: the thread asked for exactly that). Returns the size.
   */
  putLeased(id: string, lease: number, length: number, owner: string): number {
    const mem = this.#unattached.get(lease)?.mem;
    if (!mem) throw new Error(`no buffer is lent under lease ${lease} (it expired after ${this.#leaseTtlMs} ms, or was put already)`);
    if (length !== mem.bytes.byteLength) throw new Error(`object ${id} is ${length} bytes but its buffer (lease ${lease}) holds ${mem.bytes.byteLength}`);
    this.#unattached.delete(lease);
    this.#insert(id, mem, owner, false);
    return length;
  }

  /**
   * Adds an object a task produced: written into a buffer lent under `lease` (the store takes its own buffer
   * back), or plain bytes, shared once so threads read them without copies. Returns the size.
   */
  adopt(id: string, owner: string, from: { lease: number; length: number } | { bytes: Uint8Array }): number {
    if ('lease' in from) return this.putLeased(id, from.lease, from.length, owner);
    const shared = toShared(from.bytes);
    this.put(id, shared, owner);
    return shared.byteLength;
  }

  #insert(id: string, mem: ObjectMemory, owner: string, secondary: boolean): void {
    if (this.#entries.has(id)) this.#drop(this.#entries.get(id)!, false);
    const bytes = mem.bytes;
    const e: Entry = { id, size: bytes.byteLength, owner, secondary, mem, place: 'memory', file: undefined, remoteKey: undefined, pins: 0 };
    this.#entries.set(id, e);
    this.#used += e.size;
    this.#opts.onAdded?.(info(e));
    this.#enforceBudget();
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /**
   * A buffer of `size` bytes for an object about to arrive (a pull, an upload), reusing freed memory when it
   * can. Fill it completely, then `put` it; a buffer that is never put is simply dropped.
   */
  allocate(size: number): Uint8Array {
    return this.#pool.allocate(size);
  }

  /**
   * The bytes lent to a pool thread that reports when it has dropped them (`releaseLeases`): unlike `get`,
   * the memory can be reused once the object is freed and every lease on it is back. Brings spilled objects
   * back first; undefined when the store has no such object.
   */
  async lend(id: string): Promise<Lent | undefined> {
    const mem = await this.#load(id);
    return mem && this.#lend(mem);
  }

  /** `lend` for an object already in memory (no waiting); undefined when absent or spilled. */
  lendInMemory(id: string): Lent | undefined {
    const e = this.#entries.get(id);
    if (!e?.mem) return undefined;
    this.#touch(e);
    return this.#lend(e.mem);
  }

  #lend(mem: ObjectMemory): Lent {
    if (!this.#pool.owns(mem.bytes)) return { bytes: mem.escape() };
    return { bytes: mem.bytes, lease: this.#lease(mem) };
  }

  /** A buffer of exactly `size` bytes lent to a thread to write a new object into, then `putLeased`. */
  lendBuffer(size: number): Required<Lent> {
    const mem = new ObjectMemory(this.#pool.allocate(size), this.#pool);
    const lease = this.#lease(mem);
    this.#unattached.set(lease, { mem, at: Date.now() });
    return { bytes: mem.bytes, lease };
  }

  /** Leases the threads gave back: nothing there reads their memory any more. Unknown numbers are ignored. */
  releaseLeases(leases: readonly number[]): void {
    for (const n of leases) {
      const l = this.#leases.get(n);
      if (!l) continue;
      this.#leases.delete(n);
      l.done();
    }
  }

  get #leaseTtlMs(): number {
    return this.#opts.leaseTtlMs ?? 60_000;
  }

  #lease(mem: ObjectMemory): number {
    const n = ++this.#leaseSeq;
    this.#leases.set(n, { mem, done: mem.borrow(), at: Date.now() });
    this.#leaseSweeper ??= setInterval(() => this.#expireLeases(), Math.max(250, this.#leaseTtlMs / 4)).unref();
    return n;
  }

  /** Writes off leases older than the TTL: their memory is left to the GC, never reused. */
  #expireLeases(all = false): void {
    const cutoff = all ? Number.POSITIVE_INFINITY : Date.now() - this.#leaseTtlMs;
    for (const [n, l] of this.#leases) {
      if (l.at > cutoff) continue;
      this.#leases.delete(n);
      l.mem.escape();
      l.done();
    }
    // Never put (the task failed, was cancelled, or its result went inline): the GC takes the memory.
    for (const [n, u] of this.#unattached) if (u.at <= cutoff) this.#unattached.delete(n);
    if (this.#leases.size === 0 && this.#unattached.size === 0) {
      clearInterval(this.#leaseSweeper);
      this.#leaseSweeper = undefined;
    }
  }

  /** The bytes if they are in memory (marks the object as recently used); undefined when absent or spilled. */
  get(id: string): Uint8Array | undefined {
    const e = this.#entries.get(id);
    if (!e?.mem) return undefined;
    this.#touch(e);
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
    const e = this.#entries.get(id);
    if (!mem || !e) return undefined;
    e.pins++;
    const done = mem.borrow();
    let released = false;
    const release = () => {
      if (released) return;
      released = true;
      if (this.#entries.get(id) === e) this.unpin(id);
      done();
    };
    return { bytes: mem.bytes, release };
  }

  #load(id: string): Promise<ObjectMemory | undefined> {
    const e = this.#entries.get(id);
    if (!e) return Promise.resolve(undefined);
    if (e.mem) {
      this.#touch(e);
      return Promise.resolve(e.mem);
    }
    return this.#loads.run(id, () => this.#restore(e));
  }

  /** A pinned object is never spilled: a task is reading it. Pins nest. */
  pin(id: string): void {
    const e = this.#entries.get(id);
    if (e) e.pins++;
  }

  unpin(id: string): void {
    const e = this.#entries.get(id);
    if (!e || e.pins === 0) return;
    e.pins--;
    if (e.pins === 0) this.#enforceBudget();
  }

  /** Frees an object: memory now, its spill file and second-tier copy as soon as the I/O completes. */
  delete(id: string): boolean {
    const e = this.#entries.get(id);
    if (!e) return false;
    this.#drop(e, true);
    return true;
  }

  list(): ObjectInfo[] {
    return [...this.#entries.values()].map(info);
  }

  stats(): StoreStats {
    const pool = this.#pool.stats();
    let spilled = 0;
    let spilledObjects = 0;
    let pinned = 0;
    for (const e of this.#entries.values()) {
      if (!e.mem) {
        spilled += e.size;
        spilledObjects++;
      }
      if (e.pins > 0 && e.mem) pinned += e.size;
    }
    return {
      objects: this.#entries.size,
      usedBytes: this.#used,
      spilledBytes: spilled,
      spilledObjects,
      diskBytes: this.#disk,
      budgetBytes: this.#opts.budgetBytes,
      pinnedBytes: pinned,
      reusableBytes: pool.freeBytes,
      reusedBuffers: pool.reused,
      freshBuffers: pool.fresh,
      lentBuffers: this.#leases.size,
    };
  }

  poolStats(): BufferPoolStats {
    return this.#pool.stats();
  }

  /** Resolves when every spill, restore and delete started so far has finished. */
  async idle(): Promise<void> {
    while (this.#io.size) await Promise.allSettled([...this.#io]);
  }

  /** Drops every object and removes the spill folder. */
  async close(): Promise<void> {
    this.#closed = true;
    await this.idle();
    for (const e of [...this.#entries.values()]) this.#drop(e, true);
    await this.idle();
    this.#entries.clear();
    this.#used = 0;
    this.#expireLeases(true);
    this.#pool.close();
    rmSync(this.#opts.spillDir, { recursive: true, force: true });
  }

  #touch(e: Entry): void {
    this.#entries.delete(e.id);
    this.#entries.set(e.id, e);
  }

  #track<T>(p: Promise<T>): Promise<T> {
    this.#io.add(p);
    p.finally(() => this.#io.delete(p)).catch(() => undefined);
    return p;
  }

  #drop(e: Entry, notify: boolean): void {
    this.#entries.delete(e.id);
    this.#dropMemory(e);
    e.place = 'memory';
    const file = e.file;
    const key = e.remoteKey;
    e.file = undefined;
    e.remoteKey = undefined;
    if (file) {
      this.#disk -= e.size;
      this.#track(unlink(file).catch((err: NodeJS.ErrnoException) => err.code !== 'ENOENT' && this.#opts.onError?.(err, `deleting ${file}`)));
    }
    if (key && this.#opts.overflow) {
      this.#track(this.#opts.overflow.storage.delete(key).catch((err) => this.#opts.onError?.(err as Error, `deleting ${key}`)));
    }
    if (notify) this.#opts.onRemoved?.(e.id);
  }

  /** The object's memory is no longer its bytes: count it out, and reuse it if nobody can still read it. */
  #dropMemory(e: Entry): void {
    const mem = e.mem;
    if (!mem) return;
    e.mem = undefined;
    this.#used -= e.size;
    mem.drop();
  }

  /** Spills least recently used, unpinned objects until memory fits the budget. */
  #enforceBudget(): void {
    let over = this.#used - this.#spilling - this.#opts.budgetBytes;
    if (over <= 0 || this.#closed) return;
    for (const e of this.#entries.values()) {
      if (over <= 0) break;
      if (e.place !== 'memory' || e.pins > 0 || !e.mem) continue;
      over -= e.size;
      this.#spill(e);
    }
  }

  #spill(e: Entry): void {
    if (e.file || e.remoteKey) {
      // Written before and unchanged (objects are immutable): dropping the memory copy is enough. An object
      // read back from the second tier is not written out again (to disk, then a second upload of its key).
      this.#dropMemory(e);
      e.place = e.file ? 'disk' : 'remote';
      return;
    }
    if (!this.#dirReady) {
      mkdirSync(this.#opts.spillDir, { recursive: true, mode: 0o700 });
      this.#dirReady = true;
    }
    const file = path.join(this.#opts.spillDir, encodeURIComponent(e.id));
    e.place = 'spilling';
    const mem = e.mem!;
    const written = mem.borrow(); // the write reads it until it settles, even if the object is freed meanwhile
    this.#spilling += e.size;
    this.#track(
      writeFile(file, mem.bytes).then(
        () => {
          written();
          this.#spilling -= e.size;
          if (this.#entries.get(e.id) !== e) return this.#track(unlink(file).catch(() => undefined)); // freed meanwhile
          e.file = file;
          this.#disk += e.size;
          if (e.place === 'spilling') {
            e.place = 'disk';
            if (e.pins === 0) this.#dropMemory(e);
            else e.place = 'memory';
          }
          this.#enforceDisk();
        },
        (err) => {
          written();
          this.#spilling -= e.size;
          e.place = 'memory';
          this.#opts.onError?.(err as Error, `spilling ${e.id} to ${file}`);
        },
      ),
    );
  }

  /** Moves the oldest spilled files to the second tier once the folder is over its limit. */
  #enforceDisk(): void {
    const tier = this.#opts.overflow;
    if (!tier || this.#disk <= tier.diskBytes) return;
    for (const e of this.#entries.values()) {
      if (this.#disk <= tier.diskBytes) break;
      if (e.place !== 'disk' || !e.file) continue;
      const file = e.file;
      const key = `${tier.prefix.replace(/\/+$/, '')}/${encodeURIComponent(e.id)}`;
      e.file = undefined;
      e.place = 'remote';
      this.#disk -= e.size;
      this.#track(
        (async () => {
          const fh = await open(file, 'r');
          try {
            await tier.storage.put(key, await readWhole(fh, new Uint8Array(e.size)));
          } finally {
            await fh.close();
          }
          await unlink(file);
          if (this.#entries.get(e.id) === e) e.remoteKey = key;
          else await tier.storage.delete(key);
        })().catch((err) => {
          if (this.#entries.get(e.id) !== e) {
            // Freed during the move, which held the only record of its file: delete what is left of it.
            this.#track(unlink(file).catch(() => undefined));
            this.#track(tier.storage.delete(key).catch(() => undefined));
            return;
          }
          // Keep the local file: the object must stay readable.
          e.file = file;
          e.place = 'disk';
          this.#disk += e.size;
          this.#opts.onError?.(err as Error, `moving ${e.id} to ${tier.storage.url}`);
        }),
      );
    }
  }

  async #restore(e: Entry): Promise<ObjectMemory | undefined> {
    // A spill in flight still holds the bytes.
    if (e.mem) return e.mem;
    let bytes: Uint8Array;
    if (e.file || (e.remoteKey && this.#opts.overflow)) {
      try {
        bytes = await this.#track(this.#read(e));
      } catch (err) {
        // Freed while reading (its file or key deleted under the read): nobody waits for these bytes.
        if (this.#entries.get(e.id) !== e) return undefined;
        throw err;
      }
    } else {
      // Still being moved between tiers: wait for that I/O, then try again.
      await this.idle();
      return this.#entries.get(e.id) === e ? this.#restore(e) : undefined;
    }
    const mem = new ObjectMemory(bytes, this.#pool);
    if (this.#entries.get(e.id) !== e) return void mem.drop(); // freed while loading: nobody saw these bytes
    e.mem = mem;
    e.place = 'memory';
    this.#used += e.size;
    this.#touch(e);
    e.pins++; // not the one to spill right away to make room for itself
    this.#enforceBudget();
    e.pins--;
    return mem;
  }

  /** A spilled object's bytes, from its local file or else from the second tier. */
  async #read(e: Entry): Promise<Uint8Array> {
    if (e.file) {
      const fh = await open(e.file, 'r');
      try {
        return await readWhole(fh, this.#pool.allocate(e.size));
      } finally {
        await fh.close();
      }
    }
    const tier = this.#opts.overflow!;
    const got = await tier.storage.get(e.remoteKey!);
    if (!got) throw new Error(`spilled object ${e.id} is missing from ${tier.storage.url}`);
    if (got.byteLength !== e.size) throw new Error(`spilled object ${e.id} in ${tier.storage.url} has ${got.byteLength} of ${e.size} bytes`);
    const bytes = this.#pool.allocate(got.byteLength);
    bytes.set(got);
    return bytes;
  }
}

async function readWhole(fh: import('node:fs/promises').FileHandle, out: Uint8Array): Promise<Uint8Array> {
  const size = out.byteLength;
  let off = 0;
  while (off < size) {
    const { bytesRead } = await fh.read(out, off, size - off, off);
    if (bytesRead === 0) throw new Error(`spill file is shorter than the object (${off} of ${size} bytes)`);
    off += bytesRead;
  }
  return out;
}

function info(e: Entry): ObjectInfo {
  return { id: e.id, size: e.size, owner: e.owner, secondary: e.secondary, place: e.place, pins: e.pins };
}
