/**
 * Many shards written and cleaned up at once against one local lake, as a collection's tasks do: no write may
 * fail because another shard's cleanup removed a folder they share (`_staging/`, `_commits/`, a partition).
 * The first `npm start` once failed 4 of 560 shards with
 * `put failed for …/_staging/….parquet.tmp: ENOTDIR: not a directory, mkdir '…/_staging'` (issue 19).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '../../tasks/lake/index.ts';
import { countRows, readAll, tempDir } from './helpers.ts';
import { sampleBatch } from './samples.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir?.remove());

describe('concurrent shards on one local lake', () => {
  it('writes, deletes and rewrites shards in parallel without a failed write, and ends with exactly their rows', async () => {
    const lake = await openLake(`${dir.path}/lake`, { threads: 0 });
    const batch = sampleBatch({ rows: 4, cities: ['oslo'] });
    const writers = 4;
    const rounds = 100;
    const failures: string[] = [];
    // Each writer commits its shard and deletes it again: the delete prunes `_commits/` and the partition
    // folders whenever they become empty, while the other writers are staging and committing into them.
    await Promise.all(
      Array.from({ length: writers }, async (_, w) => {
        for (let i = 0; i < rounds; i++) {
          try {
            await lake.writeShard(`shard-${w}`, batch);
            await lake.deleteShard(`shard-${w}`);
          } catch (error) {
            failures.push((error as Error).message);
          }
        }
        await lake.writeShard(`shard-${w}`, batch);
      }),
    );
    expect(failures.slice(0, 3)).toEqual([]);
    expect((await lake.committedShards()).map((s) => s.shardId)).toEqual(['shard-0', 'shard-1', 'shard-2', 'shard-3']);
    expect(countRows(await readAll(lake))).toBe(writers * 4);
    const staging: string[] = [];
    for await (const { key } of lake.storage.list('_staging/')) staging.push(key);
    expect(staging).toEqual([]);
    await lake.close();
  }, 120_000);
});
