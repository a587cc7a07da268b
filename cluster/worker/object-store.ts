/**
 * A node's object store: task results too large to travel inline, `put` values, and copies pulled from other
 * nodes, kept as encoded bytes in SharedArrayBuffers so pool threads read them without a copy.
 *
 * Memory has a budget. Above it, the least recently used objects that no running task has pinned spill to a
 * local folder, and (optionally) from there to a second tier such as S3 once the folder passes its own limit.
 * A spilled object comes back on access; its file stays, so spilling it again costs nothing. Every file of an
 * object is deleted when the object is freed, and the whole folder when the store closes: leaked spill files
 * that fill disks are the most common complaint about Ray's store.
 */
import { mkdirSync, rmSync } from 'node:fs';
import { open, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ObjectStorage } from '../../tasks/storage/types.ts';

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
}

interface Entry {
  readonly id: string;
  readonly size: number;
  readonly owner: string;
  readonly secondary: boolean;
  bytes: Uint8Array | undefined;
  place: ObjectPlace;
  file: string | undefined;
  remoteKey: string | undefined;
  pins: number;
}

export class ObjectStore {
  /** Insertion order is recency order: a touched entry is re-inserted at the end. */
  readonly #entries = new Map<string, Entry>();
  readonly #opts: ObjectStoreOptions;
  readonly #loads = new Map<string, Promise<Uint8Array | undefined>>();
  readonly #io = new Set<Promise<unknown>>();
  #used = 0;
  /** Bytes whose spill write is in flight: still in memory, but already on their way out. */
  #spilling = 0;
  #disk = 0;
  #dirReady = false;
  #closed = false;

  constructor(opts: ObjectStoreOptions) {
    this.#opts = opts;
  }

  get budgetBytes(): number {
    return this.#opts.budgetBytes;
  }

  /** Adds an object (replacing one with the same id), then spills others if memory is over budget. */
  put(id: string, bytes: Uint8Array, owner: string, secondary = false): void {
    if (this.#entries.has(id)) this.#drop(this.#entries.get(id)!, false);
    const e: Entry = { id, size: bytes.byteLength, owner, secondary, bytes, place: 'memory', file: undefined, remoteKey: undefined, pins: 0 };
    this.#entries.set(id, e);
    this.#used += e.size;
    this.#opts.onAdded?.(info(e));
    this.#enforceBudget();
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  /** The bytes if they are in memory (marks the object as recently used); undefined when absent or spilled. */
  get(id: string): Uint8Array | undefined {
    const e = this.#entries.get(id);
    if (!e?.bytes) return undefined;
    this.#touch(e);
    return e.bytes;
  }

  /** The bytes, bringing a spilled object back into memory first. Undefined when the store has no such object. */
  load(id: string): Promise<Uint8Array | undefined> {
    const inMemory = this.get(id);
    if (inMemory) return Promise.resolve(inMemory);
    if (!this.#entries.has(id)) return Promise.resolve(undefined);
    let p = this.#loads.get(id);
    if (!p) {
      p = this.#restore(this.#entries.get(id)!).finally(() => this.#loads.delete(id));
      this.#loads.set(id, p);
    }
    return p;
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
    let spilled = 0;
    let spilledObjects = 0;
    let pinned = 0;
    for (const e of this.#entries.values()) {
      if (!e.bytes) {
        spilled += e.size;
        spilledObjects++;
      }
      if (e.pins > 0 && e.bytes) pinned += e.size;
    }
    return {
      objects: this.#entries.size,
      usedBytes: this.#used,
      spilledBytes: spilled,
      spilledObjects,
      diskBytes: this.#disk,
      budgetBytes: this.#opts.budgetBytes,
      pinnedBytes: pinned,
    };
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
    if (e.bytes) this.#used -= e.size;
    e.bytes = undefined;
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

  /** Spills least recently used, unpinned objects until memory fits the budget. */
  #enforceBudget(): void {
    let over = this.#used - this.#spilling - this.#opts.budgetBytes;
    if (over <= 0 || this.#closed) return;
    for (const e of this.#entries.values()) {
      if (over <= 0) break;
      if (e.place !== 'memory' || e.pins > 0 || !e.bytes) continue;
      over -= e.size;
      this.#spill(e);
    }
  }

  #spill(e: Entry): void {
    if (e.file) {
      // Written before and unchanged (objects are immutable): dropping the memory copy is enough.
      this.#used -= e.size;
      e.bytes = undefined;
      e.place = 'disk';
      return;
    }
    if (!this.#dirReady) {
      mkdirSync(this.#opts.spillDir, { recursive: true, mode: 0o700 });
      this.#dirReady = true;
    }
    const file = path.join(this.#opts.spillDir, encodeURIComponent(e.id));
    e.place = 'spilling';
    const bytes = e.bytes!;
    this.#spilling += e.size;
    this.#track(
      writeFile(file, bytes).then(
        () => {
          this.#spilling -= e.size;
          if (this.#entries.get(e.id) !== e) return this.#track(unlink(file).catch(() => undefined)); // freed meanwhile
          e.file = file;
          this.#disk += e.size;
          if (e.place === 'spilling') {
            e.place = 'disk';
            if (e.pins === 0) {
              this.#used -= e.size;
              e.bytes = undefined;
            } else e.place = 'memory';
          }
          this.#enforceDisk();
        },
        (err) => {
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
            await tier.storage.put(key, await readWhole(fh, e.size));
          } finally {
            await fh.close();
          }
          await unlink(file);
          if (this.#entries.get(e.id) === e) e.remoteKey = key;
          else await tier.storage.delete(key);
        })().catch((err) => {
          // Keep the local file: the object must stay readable.
          e.file = file;
          e.place = 'disk';
          this.#disk += e.size;
          this.#opts.onError?.(err as Error, `moving ${e.id} to ${tier.storage.url}`);
        }),
      );
    }
  }

  async #restore(e: Entry): Promise<Uint8Array | undefined> {
    // A spill in flight still holds the bytes.
    if (e.bytes) return e.bytes;
    let bytes: Uint8Array;
    if (e.file) {
      const fh = await this.#track(open(e.file, 'r'));
      try {
        bytes = await readWhole(fh, e.size);
      } finally {
        await fh.close();
      }
    } else if (e.remoteKey && this.#opts.overflow) {
      const got = await this.#opts.overflow.storage.get(e.remoteKey);
      if (!got) throw new Error(`spilled object ${e.id} is missing from ${this.#opts.overflow.storage.url}`);
      bytes = new Uint8Array(new SharedArrayBuffer(got.byteLength));
      bytes.set(got);
    } else {
      // Still being moved between tiers: wait for that I/O, then try again.
      await this.idle();
      return this.#entries.get(e.id) === e ? this.#restore(e) : undefined;
    }
    if (this.#entries.get(e.id) !== e) return undefined; // freed while loading
    e.bytes = bytes;
    e.place = 'memory';
    this.#used += e.size;
    this.#touch(e);
    e.pins++; // not the one to spill right away to make room for itself
    this.#enforceBudget();
    e.pins--;
    return bytes;
  }
}

async function readWhole(fh: import('node:fs/promises').FileHandle, size: number): Promise<Uint8Array> {
  const out = new Uint8Array(new SharedArrayBuffer(size));
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
