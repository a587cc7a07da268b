/** stats, ls, head and committedShards describe what the lake holds, from its commit records. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake, type Lake } from '../../tasks/lake/index.ts';
import { tempDir } from './helpers.ts';
import { DEFAULT_START_MS, sampleBatch } from './samples.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let lake: Lake;

beforeAll(async () => {
  dir = await tempDir();
  lake = await openLake(`${dir.path}/lake`, { threads: 0, maxRowsPerFile: 600 });
  await lake.writeShard('a', sampleBatch({ rows: 1000, cities: ['oslo'], stepMs: 60_000, segments: 10 }));
  await lake.writeShard('b', sampleBatch({ rows: 400, cities: ['oslo', 'rome'], startMs: DEFAULT_START_MS + 86_400_000, stepMs: 60_000, segments: 10 }));
});
afterAll(async () => {
  await lake?.close();
  await dir?.remove();
});

describe('describing the lake', () => {
  it('counts shards, files, rows and rows per partition value', async () => {
    const stats = await lake.stats();
    const rome = (await lake.ls({ city: 'rome' }))[0]!;
    expect(stats).toMatchObject({ shards: 2, files: 4, rows: 1400, partitions: 3, unpublishedShards: 0 });
    expect(stats.rowsBy.date).toEqual({ '2026-01-05': 1000, '2026-01-06': 400 });
    expect(stats.rowsBy.city!.oslo! + stats.rowsBy.city!.rome!).toBe(1400);
    expect(stats.rowsBy.city!.rome).toBe(rome.rows);
    expect(stats.minTimeMs).toBe(DEFAULT_START_MS);
    expect(stats.bytes).toBeGreaterThan(0);
    expect((await lake.stats({ city: 'rome' })).rows).toBe(rome.rows);
  });

  it('lists partitions with their files, rows and shards', async () => {
    const listing = await lake.ls();
    expect(listing.map((p) => [p.path, p.files, p.shards])).toEqual([
      ['date=2026-01-05/city=oslo', 2, 1],
      ['date=2026-01-06/city=oslo', 1, 1],
      ['date=2026-01-06/city=rome', 1, 1],
    ]);
    expect(listing[0]!.rows).toBe(1000);
  });

  it('shows the first rows as plain objects and the committed shards', async () => {
    const rows = await lake.head(3, { columns: ['timestamp', 'city', 'segment_id'] });
    expect(rows).toEqual([
      { timestamp: DEFAULT_START_MS, city: 'oslo', segment_id: 'osm:100000:0' },
      { timestamp: DEFAULT_START_MS, city: 'oslo', segment_id: 'osm:100007:1' },
      { timestamp: DEFAULT_START_MS, city: 'oslo', segment_id: 'osm:100014:2' },
    ]);
    const shards = await lake.committedShards();
    expect(shards.map((s) => [s.shardId, s.rows, s.files, s.published])).toEqual([
      ['a', 1000, 2, true],
      ['b', 400, 2, true],
    ]);
  });
});
