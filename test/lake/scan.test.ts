/**
 * Reads prune and filter: partition filters skip files entirely (a corrupt file in a partition not asked for
 * does not matter), time filters are exact per row, and a bad file is reported by name while the rest of the
 * lake stays readable.
 */
import { truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeFileError, LakeMetadataError, openLake, type Lake } from '../../tasks/lake/index.ts';
import type { LakeProgress } from '../../tasks/lake/index.ts';
import { countRows, readAll, sortedRows, sortRows, tempDir, type Row } from './helpers.ts';
import { DEFAULT_START_MS, sampleBatch } from './samples.ts';

const DAY = 86_400_000;
let dir: Awaited<ReturnType<typeof tempDir>>;
let input: RecordBatch[];
let counter = 0;

async function freshLake(): Promise<{ lake: Lake; path: string }> {
  const path = join(dir.path, `lake-${counter++}`);
  const lake = await openLake(path, { threads: 0 });
  for (let d = 0; d < 3; d++) await lake.writeShard(`day-${d}`, input[d]!);
  return { lake, path };
}

beforeAll(async () => {
  dir = await tempDir();
  // Three days × three cities, 500 rows per city and day: lima 00:00-00:50, oslo until 01:40, rome until 02:30.
  input = [0, 1, 2].map((d) => sampleBatch({ rows: 1500, cities: ['lima', 'oslo', 'rome'], cityOf: (i) => Math.floor(i / 500), startMs: DEFAULT_START_MS + d * DAY, stepMs: 60_000, segments: 10, seed: d + 1 }));
});
afterAll(async () => dir?.remove());

const expected = (keep: (row: Row) => boolean) => sortedRows(input).filter(keep);
const dayOf = (row: Row) => new Date(row.timestamp as number).toISOString().slice(0, 10);

describe('filters', () => {
  it('reads one city, a list of cities, and a date range by partition', async () => {
    const { lake } = await freshLake();
    expect(sortedRows(await readAll(lake, { filter: { city: 'oslo' } }))).toEqual(expected((r) => r.city === 'oslo'));
    expect(sortedRows(await readAll(lake, { filter: { city: ['lima', 'rome'], dateFrom: '2026-01-06' } }))).toEqual(
      expected((r) => r.city !== 'oslo' && dayOf(r) >= '2026-01-06'),
    );
    expect(sortedRows(await readAll(lake, { filter: { dateFrom: '2026-01-06', dateTo: '2026-01-06' } }))).toEqual(expected((r) => dayOf(r) === '2026-01-06'));
    expect(await readAll(lake, { filter: { city: 'paris' } })).toEqual([]);
    await lake.close();
  });

  it('filters rows by time exactly, even when the timestamp is not among the columns returned', async () => {
    const { lake } = await freshLake();
    const from = DEFAULT_START_MS + DAY + 2 * 3_600_000 + 1; // between two readings, inside rome's span
    const to = DEFAULT_START_MS + 2 * DAY + 3_600_000;
    const got = sortedRows(await readAll(lake, { filter: { timeFrom: from, timeTo: new Date(to) }, columns: ['city', 'segment_id', 'congestion', 'timestamp'] }));
    const want = expected((r) => (r.timestamp as number) >= from && (r.timestamp as number) < to).map((r) => ({ city: r.city, segment_id: r.segment_id, congestion: r.congestion, timestamp: r.timestamp }));
    expect(new Set(want.map(dayOf))).toEqual(new Set(['2026-01-06', '2026-01-07']));
    expect(got).toEqual(want);
    const noTime = await readAll(lake, { filter: { timeFrom: from, timeTo: to }, columns: ['congestion'] });
    expect(countRows(noTime)).toBe(want.length);
    expect(noTime[0]!.schema.names).toEqual(['congestion']);
    await lake.close();
  });

  it('recycles decoded memory when asked: same rows, and batches of finished files are detached', async () => {
    for (const threads of [0, 2]) {
      const path = join(dir.path, `lake-${counter++}`);
      const lake = await openLake(path, { threads });
      for (let d = 0; d < 3; d++) await lake.writeShard(`day-${d}`, input[d]!);
      const rows: Row[] = [];
      const kept: RecordBatch[] = [];
      for await (const batch of lake.scan({ reuseBuffers: true })) {
        expect((batch.getChild('congestion')!.data[0]!.values as Float32Array).byteLength).toBe(batch.numRows * 4);
        rows.push(...sortedRows([batch]));
        kept.push(batch);
      }
      expect(sortRows(rows)).toEqual(sortedRows(input));
      // Nine files: the first file's memory went on to later files, so its batch's buffers are now empty
      // (detached) rather than showing another file's rows.
      expect((kept[0]!.getChild('congestion')!.data[0]!.values as Float32Array).byteLength).toBe(0);
      expect(kept[0]!.getChild('congestion')!.get(0)).toBeUndefined();
      await lake.close();
    }
  });

  it('reports scan progress with totals from the commits', async () => {
    const { lake } = await freshLake();
    const progress: LakeProgress[] = [];
    await readAll(lake, { filter: { city: 'rome' }, onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toMatchObject({ operation: 'scan', rows: 1500, totalRows: 1500, files: 3, totalFiles: 3, done: true });
    await lake.close();
  });
});

describe('bad files', () => {
  it('names a truncated file, does not read it for other partitions, and can skip it', async () => {
    const { lake, path } = await freshLake();
    const bad = 'date=2026-01-06/city=rome/part-day-1-0.parquet';
    await truncate(join(path, ...bad.split('/')), 1000);

    // Pruned away: a scan of other partitions never opens it.
    expect(countRows(await readAll(lake, { filter: { city: ['lima', 'oslo'] } }))).toBe(3000);
    const error = await readAll(lake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakeFileError);
    expect((error as LakeFileError).key).toBe(bad);
    expect((error as Error).message).toContain(bad);
    expect((error as Error).message).toMatch(/re-run shard "day-1"/);

    const skipped: LakeFileError[] = [];
    const rest = await readAll(lake, { onBadFile: (e) => skipped.push(e) });
    expect(skipped.map((e) => e.key)).toEqual([bad]);
    expect(sortedRows(rest)).toEqual(expected((r) => !(r.city === 'rome' && dayOf(r) === '2026-01-06')));

    // Re-running the shard repairs the lake.
    await lake.writeShard('day-1', input[1]!);
    expect(countRows(await readAll(lake))).toBe(4500);
    await lake.close();
  });

  it('names a file that is listed but missing', async () => {
    const { lake, path } = await freshLake();
    await unlink(join(path, 'date=2026-01-05', 'city=lima', 'part-day-0-0.parquet'));
    await expect(readAll(lake, { filter: { city: 'lima' } })).rejects.toThrow(/date=2026-01-05\/city=lima\/part-day-0-0.parquet .* missing/);
    expect(countRows(await readAll(lake, { filter: { city: 'lima' }, onBadFile: 'skip' }))).toBe(1000);
    await lake.close();
  });

  it('names an unreadable commit record', async () => {
    const { lake, path } = await freshLake();
    await writeFile(join(path, '_commits', 'day-2.json'), '{"format": "convoy-lake-commit/1", "shard');
    await expect(lake.stats()).rejects.toThrow(LakeMetadataError);
    await expect(lake.stats()).rejects.toThrow(/_commits\/day-2\.json/);
    await lake.close();
  });
});
