import { existsSync } from 'node:fs';
import { mkdtemp, truncate } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DiskTier } from '../../cluster/objects/spill/disk-tier.ts';
import { StorageTier } from '../../cluster/objects/spill/storage-tier.ts';
import { LocalStorage } from '../../cluster/storage/local.ts';
import { chooseToOverflow, chooseToSpill } from '../../cluster/objects/store/eviction-policy.ts';
import type { Entry } from '../../cluster/objects/store/object-index.ts';

const alloc = (size: number) => new Uint8Array(size);
const tmp = () => mkdtemp(path.join(os.tmpdir(), 'convoy-tier-'));

describe('spill tiers', () => {
  it('writes, reads back and deletes an object in the local folder, made on first write and removed on close', async () => {
    const dir = path.join(await tmp(), 'spill');
    const disk = new DiskTier(dir);
    expect(existsSync(dir)).toBe(false);
    await disk.write('a/b', Uint8Array.of(1, 2, 3));
    expect(disk.locate('a/b')).toBe(path.join(dir, 'a%2Fb'));
    expect([...(await disk.read('a/b', 3, alloc))]).toEqual([1, 2, 3]);
    await truncate(disk.locate('a/b'), 2);
    await expect(disk.read('a/b', 3, alloc)).rejects.toThrow(/shorter than the object \(2 of 3 bytes\)/);
    await disk.delete('a/b');
    await expect(disk.read('a/b', 3, alloc)).rejects.toThrow(/ENOENT/);
    disk.close();
    expect(existsSync(dir)).toBe(false);
  });

  it('keeps one key per object under the prefix in a storage tier, and names a missing or short copy', async () => {
    const storage = new LocalStorage(await tmp());
    const tier = new StorageTier(storage, 'spill/node-1/');
    await tier.write('x', Uint8Array.of(7, 8));
    expect(tier.locate('x')).toBe('spill/node-1/x');
    expect([...(await tier.read('x', 2, alloc))]).toEqual([7, 8]);
    await expect(tier.read('x', 3, alloc)).rejects.toThrow(/spilled object x in .* has 2 of 3 bytes/);
    await tier.delete('x');
    await expect(tier.read('x', 2, alloc)).rejects.toThrow(/spilled object x is missing from/);
  });
});

describe('eviction policy', () => {
  const entry = (id: string, size: number, over: Partial<Entry> = {}): Entry =>
    ({ id, size, owner: 'o', secondary: false, mem: {} as Entry['mem'], place: 'memory', copy: undefined, pins: 0, ...over }) as Entry;

  it('spills the least recently used unpinned objects in memory until enough bytes are on their way out', () => {
    const byRecency = [entry('pinned', 4, { pins: 1 }), entry('old', 4), entry('writing', 4, { place: 'spilling' }), entry('mid', 4), entry('new', 4)];
    expect(chooseToSpill(byRecency, 5).map((e) => e.id)).toEqual(['old', 'mid']);
    expect(chooseToSpill(byRecency, 0)).toEqual([]);
  });

  it('moves the oldest files that are only on disk on to the overflow tier', () => {
    const byRecency = [entry('back', 4, { copy: 'disk' }), entry('a', 4, { place: 'disk', copy: 'disk', mem: undefined }), entry('moving', 4, { place: 'remote', mem: undefined }), entry('b', 4, { place: 'disk', copy: 'disk', mem: undefined })];
    expect(chooseToOverflow(byRecency, 4).map((e) => e.id)).toEqual(['a']);
    expect(chooseToOverflow(byRecency, 5).map((e) => e.id)).toEqual(['a', 'b']);
  });
});
