/**
 * Freed object-store memory kept for reuse. On this VM a copy into never-touched memory runs at 0.4–1.5 GB/s
 * and into touched memory at 6.5–8.6 GB/s: first-touch page faults, not the copy, bound how fast a put, pull,
 * restore or upload can fill a new buffer. So buffers the store can prove nobody reads any more go to a free
 * list, by size class, and the next destination of a similar size is a view of one of them (a pool thread's
 * put or large result is written into one lent to it: see ObjectStore.lendBuffer).
 *
 * Size classes are four per doubling (1, 1.25, 1.5, 1.75 × 2^k), so a reused buffer wastes at most a fifth of
 * itself. Buffers below `minBytes` are cheap to fault in and are not pooled. The free list is capped (the store
 * gives it a quarter of its budget, on top of the budget): a full pool drops what it is handed to the GC.
 *
 * Free buffers not taken for `idleMs` are dropped, so memory goes back to the system.
 *
 * Not done: keeping pre-touched spares warmed by a background thread for buffers that never come back. On
 * this VM it sped a 512 MiB pull up by 10–50% but slowed the driver's put and get of the same size 1.5–3× in
 * the same bench runs: page faults contend across processes (the hypervisor backs guest pages), so
 * pre-faulting only moved the cost onto whatever ran next.
 *
 * Whether a buffer may be reused is ObjectMemory's call (the rule is written there); the pool only takes back
 * buffers it made itself.
 */
export interface BufferPoolOptions {
  /** Most bytes kept on the free list. */
  maxFreeBytes: number;
  /** Smaller allocations get their own buffer and are never pooled. @default 1 MiB */
  minBytes?: number;
  /** A free buffer not taken for this long is dropped. @default 60_000 */
  idleMs?: number;
}

export interface BufferPoolStats {
  freeBytes: number;
  freeBuffers: number;
  /** Allocations served from the free list. */
  reused: number;
  /** Allocations of new memory (pooled sizes only). */
  fresh: number;
}

interface FreeBuffer {
  readonly buf: SharedArrayBuffer;
  readonly since: number;
}

const MiB = 1024 * 1024;

export class BufferPool {
  /** Class size → free buffers of exactly that size (most recently freed last: its pages are warmest). */
  readonly #free = new Map<number, FreeBuffer[]>();
  /** Buffers this pool made: only these may come back, so a buffer someone else holds can never be handed out. */
  readonly #mine = new WeakSet<SharedArrayBuffer>();
  /** How far into each buffer an object's bytes reached: past that it is still zero. */
  readonly #dirty = new WeakMap<SharedArrayBuffer, number>();
  readonly #minBytes: number;
  readonly #maxFreeBytes: number;
  readonly #idleMs: number;
  #freeBytes = 0;
  #reused = 0;
  #fresh = 0;
  #sweeper: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(opts: BufferPoolOptions) {
    this.#maxFreeBytes = Math.max(0, opts.maxFreeBytes);
    this.#minBytes = opts.minBytes ?? MiB;
    this.#idleMs = opts.idleMs ?? 60_000;
  }

  /** A view of exactly `size` bytes, over a pooled buffer when one of its class is free. */
  allocate(size: number): Uint8Array {
    if (size < this.#minBytes) return new Uint8Array(new SharedArrayBuffer(size));
    const cls = sizeClass(size);
    const list = this.#free.get(cls);
    const reused = list?.pop()?.buf;
    if (!reused) {
      this.#fresh++;
      const buf = new SharedArrayBuffer(cls);
      this.#mine.add(buf);
      this.#dirty.set(buf, size);
      return new Uint8Array(buf, 0, size);
    }
    this.#freeBytes -= cls;
    this.#reused++;
    // The slack past `size` may still hold an earlier object's tail: threads that get this object see the
    // whole buffer, so it must not show them another object's bytes. Only the part an earlier object wrote
    // needs clearing (nothing when objects of one size follow each other, the common case).
    const dirty = this.#dirty.get(reused) ?? 0;
    if (dirty > size) zero(new Uint8Array(reused, size, dirty - size));
    this.#dirty.set(reused, size);
    return new Uint8Array(reused, 0, size);
  }

  /** Whether `view` lies in a buffer this pool made (only those can ever come back to it). */
  owns(view: Uint8Array): boolean {
    return view.buffer instanceof SharedArrayBuffer && this.#mine.has(view.buffer);
  }

  /**
   * Takes back the buffer under `view` once nothing reads it any more (the caller proves that), if this pool
   * made it and the free list has room; otherwise the GC gets it.
   */
  recycle(view: Uint8Array): void {
    if (!this.owns(view)) return;
    const buf = view.buffer as SharedArrayBuffer;
    const cls = buf.byteLength;
    if (this.#closed || this.#freeBytes + cls > this.#maxFreeBytes) return;
    let list = this.#free.get(cls);
    if (!list) this.#free.set(cls, (list = []));
    list.push({ buf, since: Date.now() });
    this.#freeBytes += cls;
    this.#sweeper ??= setInterval(() => this.#sweep(), Math.max(1000, this.#idleMs / 2)).unref();
  }

  /** Drops free buffers idle for `idleMs`; stops sweeping once the free list is empty. */
  #sweep(): void {
    const cutoff = Date.now() - this.#idleMs;
    for (const [cls, list] of this.#free) {
      const kept = list.filter((f) => f.since > cutoff);
      this.#freeBytes -= (list.length - kept.length) * cls;
      if (kept.length) this.#free.set(cls, kept);
      else this.#free.delete(cls);
    }
    if (this.#free.size === 0) {
      clearInterval(this.#sweeper);
      this.#sweeper = undefined;
    }
  }

  stats(): BufferPoolStats {
    let buffers = 0;
    for (const list of this.#free.values()) buffers += list.length;
    return { freeBytes: this.#freeBytes, freeBuffers: buffers, reused: this.#reused, fresh: this.#fresh };
  }

  /** Drops every free buffer; buffers handed back later are left to the GC. */
  close(): void {
    this.#closed = true;
    clearInterval(this.#sweeper);
    this.#sweeper = undefined;
    this.#free.clear();
    this.#freeBytes = 0;
  }
}

const ZEROS = new Uint8Array(MiB);

/**
 * Clears shared memory. `fill` on a SharedArrayBuffer goes element by element (shared memory forbids the
 * plain memset V8 uses otherwise): 1–2 GB/s here, against 7 GB/s for `set`, which copies in bulk.
 */
function zero(view: Uint8Array): void {
  for (let off = 0; off < view.byteLength; off += ZEROS.byteLength) view.set(ZEROS.subarray(0, Math.min(ZEROS.byteLength, view.byteLength - off)), off);
}

/** The smallest class (1, 1.25, 1.5 or 1.75 times a power of two) that holds `size` bytes. */
export function sizeClass(size: number): number {
  if (size <= 4) return 4;
  const pow = 2 ** Math.floor(Math.log2(size));
  const step = pow / 4;
  return pow + Math.ceil((size - pow) / step) * step;
}

/**
 * One in-memory copy of an object's bytes and who may still read it; it hands its buffer back to the pool
 * once that is provably nobody. The rule: a buffer is reused only when all of these hold
 * - the pool made the whole SharedArrayBuffer, in this thread (a buffer that arrived from a pool thread or a
 *   trainer process may be shared with code we do not see, and may back several objects);
 * - it is no longer the object's bytes (`drop`: freed, replaced, or spilled with the file written);
 * - every tracked reader is done (`borrow`: serving it over a socket until the kernel took the last byte or
 *   the connection closed; the spill write until writeFile settles; a pool thread it was lent to until the
 *   thread reports it has garbage-collected its last view, see objects/memory-loans.ts);
 * - no view ever left untracked (`escape`): the store's `get` and `load` hand views to readers it cannot
 *   follow (actor threads, which keep their instance's state across calls; a pool thread that shared memory
 *   on through a channel of its own or structuredClone; a loan not back within its TTL). Escaped memory is
 *   left to the GC, which frees it once every thread dropped it.
 * So memory a pool task read is reused once the task's thread has let go; memory an actor read never is.
 */
export class ObjectMemory {
  #escaped = false;
  #borrows = 0;
  #dropped = false;
  #retired = false;

  constructor(
    readonly bytes: Uint8Array,
    private readonly pool: BufferPool,
  ) {}

  /** The bytes, for a reader the store cannot follow: the buffer is then never reused. */
  escape(): Uint8Array {
    this.#escaped = true;
    return this.bytes;
  }

  /** Counts a tracked reader in; the returned function (idempotent) counts it out. */
  borrow(): () => void {
    this.#borrows++;
    let done = false;
    return () => {
      if (done) return;
      done = true;
      this.#borrows--;
      this.#retire();
    };
  }

  /** The object no longer uses these bytes. */
  drop(): void {
    this.#dropped = true;
    this.#retire();
  }

  #retire(): void {
    if (this.#retired || !this.#dropped || this.#escaped || this.#borrows > 0) return;
    this.#retired = true;
    this.pool.recycle(this.bytes);
  }
}
