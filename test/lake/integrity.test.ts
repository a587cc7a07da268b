/**
 * Silent corruption is caught: each file's size and SHA-256 are in its commit record, a read checks them before
 * decoding, and `lake.verify()` lists every damaged file with the shard that re-creates it. The probe of issue 12
 * (4 KiB overwritten in the middle of a file read back as 1,025 wrong speeds, no error) is the first case.
 * Lakes written before hashes existed still read, and verify calls their files unverified.
 */
import { open, readFile, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { RecordBatch } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LakeFileError, LakeFileIntegrityError, LakeMetadataError, openLake, type Lake } from '../../tasks/lake/index.ts';
import { S3Storage } from '../../cluster/storage/index.ts';
import { startS3Server, type S3TestServer } from '../storage/s3-server.ts';
import { countRows, readAll, tempDir } from './helpers.ts';
import { DEFAULT_START_MS, sampleBatch } from './samples.ts';

const DAY = 86_400_000;
let dir: Awaited<ReturnType<typeof tempDir>>;
let s3: S3TestServer;
let input: RecordBatch[];
let counter = 0;

beforeAll(async () => {
  dir = await tempDir();
  s3 = await startS3Server();
  // Two shards (days) × two cities, 20,000 rows per file: files of a few hundred KiB, many data pages.
  input = [0, 1].map((d) => sampleBatch({ rows: 40_000, cities: ['oslo', 'rome'], cityOf: (i) => i % 2, startMs: DEFAULT_START_MS + d * DAY, stepMs: 4_000, segments: 50, seed: d + 7 }));
});
afterAll(async () => {
  await s3?.stop();
  await dir?.remove();
});

async function freshLake(): Promise<{ lake: Lake; path: string }> {
  const path = join(dir.path, `lake-${counter++}`);
  const lake = await openLake(path, { threads: 0 });
  for (let d = 0; d < input.length; d++) await lake.writeShard(`day-${d}`, input[d]!);
  return { lake, path };
}

const speedSum = (batches: RecordBatch[]) =>
  batches.reduce((sum, b) => sum + (b.getChild('current_speed_kmh')!.toArray() as Float32Array).reduce((a, v) => a + v, 0), 0);

const VICTIM = 'date=2026-01-06/city=rome/part-day-1-0.parquet';

/** Overwrites 4 KiB in the middle of a file with other bytes; its size stays the same. */
async function overwriteMiddle(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const { size } = await handle.stat();
    const garbage = Buffer.alloc(4096);
    for (let i = 0; i < garbage.length; i++) garbage[i] = (i * 131 + 17) & 0xff;
    await handle.write(garbage, 0, garbage.length, Math.floor(size / 2) - 2048);
  } finally {
    await handle.close();
  }
}

describe('integrity of lake files', () => {
  it('fails the read of a file with 4 KiB overwritten in its middle, naming file, partition and shard', async () => {
    const { lake, path } = await freshLake();
    await overwriteMiddle(join(path, ...VICTIM.split('/')));

    const error = await readAll(lake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakeFileIntegrityError);
    expect(error).toBeInstanceOf(LakeFileError);
    const e = error as LakeFileIntegrityError;
    expect({ key: e.key, partition: e.partition, shardId: e.shardId, problem: e.problem }).toEqual({
      key: VICTIM,
      partition: 'date=2026-01-06/city=rome',
      shardId: 'day-1',
      problem: 'checksum',
    });
    expect(e.message).toContain(VICTIM);
    expect(e.message).toMatch(/partition date=2026-01-06\/city=rome, shard "day-1"/);
    expect(e.message).toMatch(/SHA-256 .* its commit says/);
    expect(e.message).toMatch(/re-run shard "day-1"/);

    // onBadFile: 'skip' keeps working: every other file reads, with its own rows.
    const skipped: LakeFileError[] = [];
    const rest = await readAll(lake, { onBadFile: (bad) => skipped.push(bad) });
    expect(skipped.map((s) => s.key)).toEqual([VICTIM]);
    expect(countRows(rest)).toBe(60_000);
    // Each batch comes from one file: none from the damaged one.
    expect(rest.filter((b) => b.getChild('city')!.get(0) === 'rome' && Number(b.getChild('timestamp')!.get(0)) >= DEFAULT_START_MS + DAY)).toEqual([]);

    const report = await lake.verify();
    expect(report).toMatchObject({ files: 4, verified: 3, unverified: 0, damagedShards: ['day-1'] });
    expect(report.damaged).toEqual([{ key: VICTIM, partition: 'date=2026-01-06/city=rome', shardId: 'day-1', problem: 'checksum', detail: expect.stringMatching(/its bytes changed/) }]);

    // Re-running the shard replaces the file; the lake verifies clean again.
    await lake.writeShard('day-1', input[1]!);
    expect(countRows(await readAll(lake))).toBe(80_000);
    expect((await lake.verify()).damaged).toEqual([]);
    await lake.close();
  });

  it('reports a truncated file as before (named, skippable), now by its size, and verify lists it', async () => {
    const { lake, path } = await freshLake();
    await truncate(join(path, ...VICTIM.split('/')), 1000);
    const error = await readAll(lake).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LakeFileError);
    expect((error as LakeFileError).key).toBe(VICTIM);
    expect((error as Error).message).toMatch(/is 1000 bytes, its commit says \d+ \(truncated\)/);
    expect(countRows(await readAll(lake, { onBadFile: 'skip' }))).toBe(60_000);
    await unlink(join(path, 'date=2026-01-05', 'city=oslo', 'part-day-0-0.parquet'));
    const report = await lake.verify();
    expect(report.damaged.map((d) => [d.key, d.problem, d.shardId])).toEqual([
      ['date=2026-01-05/city=oslo/part-day-0-0.parquet', 'missing', 'day-0'],
      [VICTIM, 'size', 'day-1'],
    ]);
    expect(report.damagedShards).toEqual(['day-0', 'day-1']);
    await lake.close();
  });

  it('checks files read from S3 the same way', async () => {
    const storage = new S3Storage({ ...s3.options, bucket: s3.bucket, prefix: `integrity-${counter++}` });
    const lake = await openLake(storage, { threads: 0 });
    await lake.writeShard('day-1', input[1]!);
    const original = (await storage.get(VICTIM))!;
    const damaged = new Uint8Array(original);
    damaged.fill(0x5a, damaged.length >> 1, (damaged.length >> 1) + 4096);
    await storage.put(VICTIM, damaged);
    await expect(readAll(lake)).rejects.toThrow(LakeFileIntegrityError);
    expect((await lake.verify()).damaged.map((d) => d.key)).toEqual([VICTIM]);
    await lake.close();
    await storage.close();
  });

  it('still reads a lake whose commit records have no hashes, and verify calls its files unverified', async () => {
    const { lake, path } = await freshLake();
    await lake.close();
    for (const shard of ['day-0', 'day-1']) {
      const file = join(path, '_commits', `${shard}.json`);
      const record = JSON.parse(await readFile(file, 'utf8')) as { format: string; files: { sha256?: string }[] };
      record.format = 'convoy-lake-commit/1';
      for (const f of record.files) delete f.sha256;
      await writeFile(file, JSON.stringify(record));
    }
    const old = await openLake(path, { threads: 0 });
    const back = await readAll(old);
    expect(countRows(back)).toBe(80_000);
    expect(speedSum(back)).toBeCloseTo(speedSum(input), 0);
    expect(await old.verify()).toMatchObject({ files: 4, verified: 0, unverified: 4, unverifiedShards: ['day-0', 'day-1'], damaged: [] });
    // Sizes are still checked.
    await truncate(join(path, ...VICTIM.split('/')), 1000);
    expect((await old.verify()).damaged.map((d) => d.problem)).toEqual(['size']);
    await old.close();
  });

  it('refuses a format-2 commit record that lost a file hash', async () => {
    const { lake, path } = await freshLake();
    const file = join(path, '_commits', 'day-0.json');
    const record = JSON.parse(await readFile(file, 'utf8')) as { files: { sha256?: string }[] };
    delete record.files[0]!.sha256;
    await writeFile(file, JSON.stringify(record));
    await expect(lake.stats()).rejects.toThrow(LakeMetadataError);
    await expect(lake.stats()).rejects.toThrow(/_commits\/day-0\.json.*sha256/);
    await lake.close();
  });
});
