/**
 * Moves objects between the store's memory and its spill tiers (Ray's `LocalObjectManager` spill and restore):
 * writes the least recently used out when memory is over budget, moves the oldest files on from the local
 * folder to the overflow tier when the folder is over its limit, brings an object back on access, and deletes
 * every copy of an object that is freed. A copy stays once written (objects are immutable), so spilling an
 * object again after it came back costs nothing, and one read back from the overflow tier is never uploaded
 * twice. Every step checks that the object it started on is still the one in the index: any of them can be
 * freed or replaced while its I/O runs.
 */
import type { ObjectStorage } from '../../storage/types.ts';
import { ObjectMemory, type BufferPool } from '../store/buffer-pool.ts';
import { chooseToOverflow } from '../store/eviction-policy.ts';
import type { MemoryBudget } from '../store/memory-budget.ts';
import type { Entry, ObjectIndex } from '../store/object-index.ts';
import type { PendingIo } from '../store/pending-io.ts';
import { DiskTier } from './disk-tier.ts';
import type { SpillTier } from './spill-tier.ts';
import { StorageTier } from './storage-tier.ts';

export interface SpillOptions {
  /** Folder for spill files; created on first spill, removed on close. */
  spillDir: string;
  /** Second tier: once the spill folder holds more than `diskBytes`, its oldest files move to `storage`. */
  overflow?: { storage: ObjectStorage; prefix: string; diskBytes: number };
  onError?: (err: Error, what: string) => void;
}

/** The store's parts the spiller works on. */
export interface SpillerParts {
  readonly index: ObjectIndex;
  readonly budget: MemoryBudget;
  readonly pool: BufferPool;
  readonly io: PendingIo;
  /** Spills others if memory is over budget now (after a restore brought an object back). */
  readonly makeRoom: () => void;
}

export class Spiller {
  readonly #disk: DiskTier;
  readonly #overflow: { tier: SpillTier; diskBytes: number } | undefined;
  readonly #onError: SpillOptions['onError'];
  readonly #parts: SpillerParts;
  /** Bytes of files in the local folder. */
  #diskBytes = 0;

  constructor(opts: SpillOptions, parts: SpillerParts) {
    this.#disk = new DiskTier(opts.spillDir);
    if (opts.overflow) this.#overflow = { tier: new StorageTier(opts.overflow.storage, opts.overflow.prefix), diskBytes: opts.overflow.diskBytes };
    this.#onError = opts.onError;
    this.#parts = parts;
  }

  get diskBytes(): number {
    return this.#diskBytes;
  }

  /** Takes `e` (in memory, unpinned) out of memory: drops it if a copy is written, else writes it to disk. */
  spill(e: Entry): void {
    const { index, budget, io } = this.#parts;
    if (e.copy) {
      // Written before and unchanged: dropping the memory copy is enough. An object read back from the second
      // tier is not written out again (to disk, then a second upload of its key).
      budget.release(e);
      e.place = e.copy === 'disk' ? 'disk' : 'remote';
      return;
    }
    const disk = this.#disk;
    e.place = 'spilling';
    const mem = e.mem!;
    const written = mem.borrow(); // the write reads it until it settles, even if the object is freed meanwhile
    budget.spillStarted(e.size);
    io.track(
      disk.write(e.id, mem.bytes).then(
        () => {
          written();
          budget.spillEnded(e.size);
          if (!index.holds(e)) return io.track(disk.delete(e.id).catch(() => undefined)); // freed meanwhile
          e.copy = 'disk';
          this.#diskBytes += e.size;
          if (e.place === 'spilling') {
            e.place = 'disk';
            if (e.pins === 0) budget.release(e);
            else e.place = 'memory';
          }
          this.#enforceDiskLimit();
        },
        (err) => {
          written();
          budget.spillEnded(e.size);
          e.place = 'memory';
          this.#onError?.(err as Error, `spilling ${e.id} to ${disk.locate(e.id)}`);
        },
      ),
    );
  }

  /** Brings a spilled object back into memory; undefined when it was freed meanwhile. */
  async restore(e: Entry): Promise<ObjectMemory | undefined> {
    const { index, budget, pool, io } = this.#parts;
    // A spill in flight still holds the bytes.
    if (e.mem) return e.mem;
    const tier: SpillTier | undefined = e.copy === 'disk' ? this.#disk : e.copy === 'overflow' ? this.#overflow?.tier : undefined;
    if (!tier) {
      // Still being moved between tiers: wait for that I/O, then try again.
      await io.idle();
      return index.holds(e) ? this.restore(e) : undefined;
    }
    let bytes: Uint8Array;
    try {
      bytes = await io.track(tier.read(e.id, e.size, (size) => pool.allocate(size)));
    } catch (err) {
      // Freed while reading (its file or key deleted under the read): nobody waits for these bytes.
      if (!index.holds(e)) return undefined;
      throw err;
    }
    const mem = new ObjectMemory(bytes, pool);
    if (!index.holds(e)) return void mem.drop(); // freed while loading: nobody saw these bytes
    budget.admit(e, mem);
    e.place = 'memory';
    index.touch(e);
    e.pins++; // not the one to spill right away to make room for itself
    this.#parts.makeRoom();
    e.pins--;
    return mem;
  }

  /** Deletes every written copy of `e` (freed or replaced) as soon as the I/O completes. */
  forget(e: Entry): void {
    const { io } = this.#parts;
    const copy = e.copy;
    e.copy = undefined;
    if (copy === 'disk') {
      this.#diskBytes -= e.size;
      const file = this.#disk.locate(e.id);
      io.track(this.#disk.delete(e.id).catch((err: NodeJS.ErrnoException) => err.code !== 'ENOENT' && this.#onError?.(err, `deleting ${file}`)));
    }
    const overflow = this.#overflow?.tier;
    if (copy === 'overflow' && overflow) {
      io.track(overflow.delete(e.id).catch((err) => this.#onError?.(err as Error, `deleting ${overflow.locate(e.id)}`)));
    }
  }

  /** Removes the spill folder (the store has dropped every object). */
  close(): void {
    this.#disk.close();
  }

  /** Moves the oldest spilled files to the second tier once the folder is over its limit. */
  #enforceDiskLimit(): void {
    const overflow = this.#overflow;
    if (!overflow || this.#diskBytes <= overflow.diskBytes) return;
    const { index, io } = this.#parts;
    const { tier } = overflow;
    const disk = this.#disk;
    for (const e of chooseToOverflow(index.values(), this.#diskBytes - overflow.diskBytes)) {
      // Mid-move the object has no copy anyone may read or delete: the move holds the only record of its file.
      e.copy = undefined;
      e.place = 'remote';
      this.#diskBytes -= e.size;
      io.track(
        (async () => {
          await tier.write(e.id, await disk.read(e.id, e.size, (size) => new Uint8Array(size)));
          await disk.delete(e.id);
          if (index.holds(e)) e.copy = 'overflow';
          else await tier.delete(e.id);
        })().catch((err) => {
          if (!index.holds(e)) {
            // Freed during the move: delete what is left of it.
            io.track(disk.delete(e.id).catch(() => undefined));
            io.track(tier.delete(e.id).catch(() => undefined));
            return;
          }
          // Keep the local file: the object must stay readable.
          e.copy = 'disk';
          e.place = 'disk';
          this.#diskBytes += e.size;
          this.#onError?.(err as Error, `moving ${e.id} to ${tier.name}`);
        }),
      );
    }
  }
}
