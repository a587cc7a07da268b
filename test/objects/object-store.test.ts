import { createHash, randomFillSync } from 'node:crypto';
import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ObjectStore } from '../../cluster/objects/object-store.ts';
import type { ObjectStorage } from '../../cluster/storage/types.ts';
import { eventually } from '../helpers/cluster.ts';

const MiB = 1024 * 1024;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');

function object(size: number): Uint8Array {
  const b = new Uint8Array(new SharedArrayBuffer(size));
  // Random bytes in 64 KiB chunks (randomFill caps one call at 2 GiB, and shared memory needs a view).
  for (let off = 0; off < size; off += 65536) randomFillSync(b.subarray(off, Math.min(size, off + 65536)));
  return b;
}

/** An in-memory second tier with the ObjectStorage shape (the S3 tier is tested with s3rver elsewhere). */
class MemoryStorage implements ObjectStorage {
  readonly url = 'memory://tier2';
  readonly objects = new Map<string, Uint8Array>();
  /** Every key put, in order, repeats included. */
  readonly puts: string[] = [];
  async put(key: string, body: Uint8Array | AsyncIterable<Uint8Array>) {
    if (!(body instanceof Uint8Array)) throw new Error('stream bodies not expected here');
    this.puts.push(key);
    this.objects.set(key, new Uint8Array(body));
  }
  async get(key: string) {
    return this.objects.get(key);
  }
  async getRange(key: string, start: number, end: number) {
    return this.objects.get(key)!.subarray(start, end);
  }
  async size(key: string) {
    return this.objects.get(key)?.byteLength;
  }
  async *list() {}
  async delete(key: string) {
    this.objects.delete(key);
  }
}

async function tempDir() {
  return path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-store-')), 'spill');
}

describe('object store', () => {
  it('holds 512 MB in a 64 MB budget by spilling, restores every object intact, and leaves nothing after free', async () => {
    const spillDir = await tempDir();
    const store = new ObjectStore({ budgetBytes: 64 * MiB, spillDir });
    const sums = new Map<string, string>();
    for (let i = 0; i < 16; i++) {
      const b = object(32 * MiB);
      sums.set(`o${i}`, sha(b));
      store.put(`o${i}`, b, 'owner-1');
    }
    await store.idle();
    let s = store.stats();
    expect(s.objects).toBe(16);
    expect(s.usedBytes).toBeLessThanOrEqual(64 * MiB);
    expect(s.spilledBytes).toBeGreaterThanOrEqual(448 * MiB);
    expect(readdirSync(spillDir).length).toBeGreaterThanOrEqual(14);

    for (const [id, sum] of sums) {
      const back = await store.load(id);
      expect(back!.buffer).toBeInstanceOf(SharedArrayBuffer);
      expect(sha(back!)).toBe(sum);
      await store.idle();
      expect(store.stats().usedBytes).toBeLessThanOrEqual(64 * MiB + 32 * MiB);
    }

    for (const id of sums.keys()) expect(store.delete(id)).toBe(true);
    await store.idle();
    s = store.stats();
    expect(s).toMatchObject({ objects: 0, usedBytes: 0, spilledBytes: 0, diskBytes: 0 });
    expect(readdirSync(spillDir)).toEqual([]);
    await store.close();
    expect(existsSync(spillDir)).toBe(false);
  });

  it('never spills a pinned object, and spills it once unpinned if still over budget', async () => {
    const store = new ObjectStore({ budgetBytes: 8 * MiB, spillDir: await tempDir() });
    store.put('a', object(6 * MiB), 'o');
    store.pin('a');
    store.put('b', object(6 * MiB), 'o');
    store.put('c', object(6 * MiB), 'o');
    await store.idle();
    expect(store.get('a')).toBeDefined();
    expect(store.list().find((x) => x.id === 'a')!.place).toBe('memory');
    expect(store.list().filter((x) => x.place === 'disk').map((x) => x.id).sort()).toEqual(['b', 'c']);
    store.unpin('a');
    await store.load('c'); // bringing c back needs room: a, unpinned and least recently used, goes out
    await store.idle();
    expect(store.list().find((x) => x.id === 'a')!.place).toBe('disk');
    expect(store.get('c')).toBeDefined();
    expect(store.stats().usedBytes).toBeLessThanOrEqual(8 * MiB);
    await store.close();
  });

  it('deletes the spill file of an object freed while it was being written', async () => {
    const dir = await tempDir();
    const store = new ObjectStore({ budgetBytes: 1 * MiB, spillDir: dir });
    store.put('x', object(4 * MiB), 'o'); // over budget at once: the spill starts now
    store.delete('x');
    await store.idle();
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
    await store.close();
  });

  it('moves the oldest spill files to a second tier past the disk limit and reads them back', async () => {
    const tier = new MemoryStorage();
    const dir = await tempDir();
    const store = new ObjectStore({ budgetBytes: 4 * MiB, spillDir: dir, overflow: { storage: tier, prefix: 'spill/node-1', diskBytes: 8 * MiB } });
    const sums: string[] = [];
    for (let i = 0; i < 6; i++) {
      const b = object(4 * MiB);
      sums.push(sha(b));
      store.put(`t${i}`, b, 'o');
      await store.idle();
    }
    expect(tier.objects.size).toBeGreaterThan(0);
    expect([...tier.objects.keys()].every((k) => k.startsWith('spill/node-1/'))).toBe(true);
    expect(store.stats().diskBytes).toBeLessThanOrEqual(8 * MiB);
    for (let i = 0; i < 6; i++) expect(sha((await store.load(`t${i}`))!)).toBe(sums[i]);
    for (let i = 0; i < 6; i++) store.delete(`t${i}`);
    await store.idle();
    expect(tier.objects.size).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    await store.close();
  });

  it('uploads an object to the second tier once: read back and spilled again, it keeps the copy it has there', async () => {
    const tier = new MemoryStorage();
    const dir = await tempDir();
    const store = new ObjectStore({ budgetBytes: 4 * MiB, spillDir: dir, overflow: { storage: tier, prefix: 'spill/node-1', diskBytes: 4 * MiB } });
    const sums = new Map<string, string>();
    const add = async (id: string) => {
      const b = object(4 * MiB);
      sums.set(id, sha(b));
      store.put(id, b, 'o');
      await store.idle();
    };
    for (const id of ['a', 'b', 'c']) await add(id); // a and b are out, a (the older) in the second tier
    expect(store.list().find((x) => x.id === 'a')!.place).toBe('remote');
    // Reading every object in turn sends each of the others out again.
    for (let round = 0; round < 2; round++) {
      for (const [id, sum] of sums) {
        expect(sha((await store.load(id))!)).toBe(sum);
        await store.idle();
      }
    }
    await add('d');
    expect(tier.puts.length).toBeGreaterThan(0);
    expect(new Set(tier.puts).size).toBe(tier.puts.length); // no key uploaded twice
    for (const id of sums.keys()) store.delete(id);
    await store.idle();
    expect(tier.objects.size).toBe(0);
    expect(readdirSync(dir)).toEqual([]);
    expect(store.stats()).toMatchObject({ objects: 0, usedBytes: 0, diskBytes: 0 });
    await store.close();
  });

  it('deletes the spill file of an object freed while its move to the second tier was failing', async () => {
    let failPut!: () => void;
    const putFails = new Promise<void>((r) => (failPut = r));
    const tier = new MemoryStorage();
    tier.put = async (key) => {
      tier.puts.push(key);
      await putFails;
      throw new Error('tier unreachable');
    };
    const errors: string[] = [];
    const dir = await tempDir();
    const store = new ObjectStore({ budgetBytes: 4 * MiB, spillDir: dir, overflow: { storage: tier, prefix: 'spill/node-1', diskBytes: 4 * MiB }, onError: (_err, what) => errors.push(what) });
    store.put('a', object(4 * MiB), 'o');
    store.put('b', object(4 * MiB), 'o'); // a goes to disk...
    await store.idle();
    store.put('c', object(4 * MiB), 'o'); // ...then b, and a, the oldest past the disk limit, on to the tier
    await eventually(() => tier.puts.length > 0, 20_000, 'the move of a to start');
    expect(tier.puts).toEqual(['spill/node-1/a']);
    store.delete('a'); // freed mid-move: only the move knows where its file is
    failPut();
    await store.idle();
    expect(readdirSync(dir).sort()).toEqual(['b']); // c is in memory; a's file went with it
    expect(store.stats().diskBytes).toBe(4 * MiB);
    expect(errors).toEqual([]); // a freed object's failed move is nobody's error
    await store.close();
  });

  it('answers "no such object" to a read of an object freed while it came back from the second tier', async () => {
    const tier = new MemoryStorage();
    const store = new ObjectStore({ budgetBytes: 4 * MiB, spillDir: await tempDir(), overflow: { storage: tier, prefix: 'spill/node-1', diskBytes: 4 * MiB } });
    store.put('a', object(4 * MiB), 'o');
    store.put('b', object(4 * MiB), 'o');
    await store.idle();
    store.put('c', object(4 * MiB), 'o');
    await store.idle();
    expect(store.list().find((x) => x.id === 'a')!.place).toBe('remote');
    let answer!: () => void;
    const held = new Promise<void>((r) => (answer = r));
    const get = tier.get.bind(tier);
    tier.get = async (key) => {
      await held;
      return get(key);
    };
    const read = store.load('a');
    store.delete('a'); // deletes the tier's copy before the read gets it
    answer();
    await expect(read).resolves.toBeUndefined();
    await store.close();
  });

  it('reports every object that arrives or leaves, for the head\'s directory', async () => {
    const added: string[] = [];
    const removed: string[] = [];
    const store = new ObjectStore({ budgetBytes: 64 * MiB, spillDir: await tempDir(), onAdded: (i) => added.push(i.id), onRemoved: (id) => removed.push(id) });
    store.put('a1', object(1024), 'alice');
    store.put('b1', object(1024), 'bob');
    store.delete('a1');
    store.delete('missing');
    expect(added).toEqual(['a1', 'b1']);
    expect(removed).toEqual(['a1']);
    expect(store.has('b1')).toBe(true);
    await store.close();
    expect(removed.sort()).toEqual(['a1', 'b1']);
  });
});
