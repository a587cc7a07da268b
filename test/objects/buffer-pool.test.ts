import { randomFillSync } from 'node:crypto';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../cluster/objects/object-store.ts';
import { BufferPool, sizeClass } from '../../cluster/objects/store/buffer-pool.ts';

const MiB = 1024 * 1024;

async function store(budgetBytes = 256 * MiB, maxFreeBytes?: number) {
  const spillDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-pool-')), 'spill');
  return new ObjectStore({ budgetBytes, spillDir, pool: { maxFreeBytes } });
}

/** What arrives in a pull: a store buffer filled with random bytes. */
function arrive(s: ObjectStore, size: number): Uint8Array {
  const b = s.allocate(size);
  for (let off = 0; off < size; off += 65536) randomFillSync(b.subarray(off, Math.min(size, off + 65536)));
  return b;
}

async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('size classes', () => {
  it('rounds up to one of four classes per doubling, wasting at most a fifth', () => {
    for (const size of [5, 1000, MiB, MiB + 1, 3 * MiB - 7, 536_870_912 + 4096, 2 ** 40 - 1]) {
      const cls = sizeClass(size);
      expect(cls).toBeGreaterThanOrEqual(size);
      expect(cls).toBeLessThanOrEqual(size * 1.25 + 1);
      expect(sizeClass(cls)).toBe(cls);
    }
  });
});

describe('reusing freed store memory', () => {
  it('reuses the buffer of a copy that was only served (borrowed) and then freed', async () => {
    const s = await store();
    const first = arrive(s, 8 * MiB);
    s.put('a', first, 'o', true);
    const lent = (await s.borrow('a'))!;
    expect(lent.bytes).toBe(first);
    expect(s.list()[0]!.pins).toBe(1); // pinned while a socket reads it
    s.delete('a');
    expect(s.poolStats().freeBuffers).toBe(0); // still being written out: not yet
    lent.release();
    expect(s.poolStats().freeBuffers).toBe(1);
    const next = s.allocate(8 * MiB - 100);
    expect(next.buffer).toBe(first.buffer);
    expect(s.poolStats()).toMatchObject({ reused: 1, freeBuffers: 0 });
    // The slack past the new size held the old object's tail: it must read as zeros now.
    expect(new Uint8Array(next.buffer, next.byteLength).every((x) => x === 0)).toBe(true);
    await s.close();
  });

  it('never reuses a buffer handed out by get or load (a task may still hold views of it)', async () => {
    const s = await store();
    const b = arrive(s, 4 * MiB);
    s.put('a', b, 'o');
    expect(s.get('a')).toBe(b);
    s.delete('a');
    const c = arrive(s, 4 * MiB);
    s.put('c', c, 'o');
    await s.load('c');
    s.delete('c');
    expect(s.poolStats().freeBuffers).toBe(0);
    expect(s.allocate(4 * MiB).buffer).not.toBe(b.buffer);
    await s.close();
  });

  it('never takes in memory it did not make (a thread result may share its buffer with other code)', async () => {
    const s = await store();
    s.put('a', new Uint8Array(new SharedArrayBuffer(4 * MiB)), 'o');
    s.delete('a');
    expect(s.poolStats().freeBuffers).toBe(0);
    await s.close();
  });

  it('reuses the memory of an object spilled unread once its file is written, and restores into pooled memory', async () => {
    const s = await store(16 * MiB, 64 * MiB);
    const a = arrive(s, 12 * MiB);
    const expected = Buffer.from(a);
    s.put('a', a, 'o');
    s.put('b', arrive(s, 12 * MiB), 'o'); // over budget: 'a' (least recent) spills
    await s.idle();
    expect(s.list().find((o) => o.id === 'a')!.place).toBe('disk');
    expect(s.poolStats().freeBuffers).toBe(1);
    const back = await s.load('a'); // restored into the buffer it had (and 'b' spills in turn)
    expect(back!.buffer).toBe(a.buffer);
    expect(Buffer.from(back!).equals(expected)).toBe(true);
    expect(s.poolStats().reused).toBe(1);
    await s.close();
  });

  it('keeps a freed buffer whose spill write is still running until the write is done', async () => {
    const s = await store(8 * MiB, 64 * MiB);
    const a = arrive(s, 6 * MiB);
    s.put('a', a, 'o');
    s.put('b', arrive(s, 6 * MiB), 'o'); // 'a' starts spilling
    s.delete('a'); // freed while writeFile still reads it
    expect(s.poolStats().freeBuffers).toBe(0);
    await s.idle();
    expect(s.poolStats().freeBuffers).toBe(1);
    expect(s.allocate(6 * MiB).buffer).toBe(a.buffer);
    await s.close();
  });

  it('gives idle free buffers back', async () => {
    const pool = new BufferPool({ maxFreeBytes: 64 * MiB, idleMs: 1000 });
    pool.recycle(pool.allocate(2 * MiB));
    expect(pool.stats().freeBuffers).toBe(1);
    await until(() => pool.stats().freeBuffers === 0, 5000);
    expect(pool.stats().freeBytes).toBe(0);
    pool.close();
  });

  it('caps the free list and leaves small allocations unpooled', () => {
    const pool = new BufferPool({ maxFreeBytes: 3 * MiB });
    const views = [pool.allocate(2 * MiB), pool.allocate(2 * MiB), pool.allocate(1000)];
    for (const v of views) pool.recycle(v);
    expect(pool.stats()).toMatchObject({ freeBuffers: 1, freeBytes: 2 * MiB });
    expect(pool.allocate(1000).buffer).not.toBe(views[2]!.buffer);
  });
});

describe('lending memory to pool threads', () => {
  it('reuses a lent object buffer only once the object is freed and every loan on it is back', async () => {
    const s = await store();
    const a = arrive(s, 8 * MiB);
    s.put('a', a, 'o');
    const first = s.lendInMemory('a')!;
    const second = (await s.lend('a'))!;
    expect(first.bytes).toBe(a);
    expect(second.loan).not.toBe(first.loan);
    expect(s.stats().lentBuffers).toBe(2);
    s.returnLoans([first.loan!]);
    s.delete('a');
    expect(s.poolStats().freeBuffers).toBe(0); // one thread still reads it
    s.returnLoans([second.loan!, second.loan!, 12345]); // repeats and unknown numbers are ignored
    expect(s.poolStats().freeBuffers).toBe(1);
    expect(s.stats().lentBuffers).toBe(0);
    expect(s.allocate(8 * MiB).buffer).toBe(a.buffer);
    await s.close();
  });

  it('lends no loan on memory it could never reuse (small objects, buffers it did not make)', async () => {
    const s = await store();
    s.put('small', arrive(s, 4096), 'o');
    s.put('foreign', new Uint8Array(new SharedArrayBuffer(2 * MiB)), 'o');
    expect(s.lendInMemory('small')!.loan).toBeUndefined();
    expect((await s.lend('foreign'))!.loan).toBeUndefined();
    expect(s.stats().lentBuffers).toBe(0);
    await s.close();
  });

  it('adopts a lent buffer a thread wrote an object into, and refuses a wrong size or an unknown loan', async () => {
    const s = await store();
    const { bytes, loan } = s.lendBuffer(3 * MiB);
    bytes.fill(9);
    expect(() => s.adopt('x', 'o', { loan, length: 3 * MiB - 1 })).toThrow(/3145727 bytes but its buffer \(loan \d+\) holds 3145728/);
    expect(s.adopt('x', 'o', { loan, length: 3 * MiB })).toBe(3 * MiB);
    expect(s.get('x')).toBe(bytes);
    expect(() => s.adopt('y', 'o', { loan, length: 3 * MiB })).toThrow(/no buffer is lent under loan/);
    expect(() => s.adopt('y', 'o', { loan: 999, length: 3 * MiB })).toThrow(/no buffer is lent under loan 999/);
    await s.close();
  });

  it('writes off a loan not given back within its TTL: that memory is never reused', async () => {
    const spillDir = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-pool-')), 'spill');
    const s = new ObjectStore({ budgetBytes: 64 * MiB, spillDir, loanTtlMs: 200 });
    const a = arrive(s, 4 * MiB);
    s.put('a', a, 'o');
    const lent = s.lendInMemory('a')!;
    s.delete('a');
    await until(() => s.stats().lentBuffers === 0, 5000);
    s.returnLoans([lent.loan!]); // too late: the thread may have shared it on
    expect(s.poolStats().freeBuffers).toBe(0);
    await s.close();
  });

  it('clears only the part of a reused buffer that an earlier object wrote', () => {
    const pool = new BufferPool({ maxFreeBytes: 64 * MiB });
    const a = pool.allocate(4.5 * MiB); // a 5 MiB buffer
    a.fill(7);
    pool.recycle(a);
    const b = pool.allocate(4 * MiB + 200_000);
    expect(b.buffer).toBe(a.buffer);
    expect(new Uint8Array(b.buffer, b.byteLength).every((x) => x === 0)).toBe(true);
    b.fill(5);
    pool.recycle(b);
    const c = pool.allocate(4 * MiB + 100_000);
    expect(new Uint8Array(c.buffer, c.byteLength).every((x) => x === 0)).toBe(true);
    expect(c.every((x) => x === 5)).toBe(true); // the new object's own bytes are left for it to write
  });
});
