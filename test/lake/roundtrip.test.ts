/**
 * Rows written to the lake come back identical, on every storage backend and with the codec inline or in
 * threads: values, nulls, dictionary columns, timestamps, and the partition column rebuilt from the path.
 */
import { Type, type Dictionary } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake, type Lake } from '../../tasks/lake/index.ts';
import type { LakeOptions, LakeProgress } from '../../tasks/lake/index.ts';
import { S3Storage } from '../../cluster/storage/index.ts';
import { sampleSchema } from '../../tasks/traffic/schema.ts';
import { startS3Server, type S3TestServer } from '../storage/s3-server.ts';
import { countRows, readAll, sortedRows, tempDir } from './helpers.ts';
import { DEFAULT_START_MS, sampleBatch } from './samples.ts';

let s3: S3TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let counter = 0;

beforeAll(async () => {
  s3 = await startS3Server();
  dir = await tempDir();
});
afterAll(async () => {
  await s3?.stop();
  await dir?.remove();
});

const backends: { name: string; open: (options: LakeOptions) => Promise<Lake> }[] = [
  { name: 'local, inline codec', open: (o) => openLake(`${dir.path}/lake-${counter++}`, { ...o, threads: 0 }) },
  { name: 'local, codec threads', open: (o) => openLake(`${dir.path}/lake-${counter++}`, { ...o, threads: 2 }) },
  { name: 's3, inline codec', open: (o) => openLake(`s3://${s3.bucket}/lake-${counter++}`, { ...o, threads: 0, s3: s3.options }) },
];

describe.each(backends)('lake round trip ($name)', ({ open }) => {
  it('returns exactly the rows written, with types, nulls and partition columns intact', async () => {
    const lake = await open({ maxRowsPerFile: 4000 });
    // Two batches with their own dictionaries, mixed cities, crossing midnight, with null travel times.
    const first = sampleBatch({ rows: 9000, cities: ['oslo', 'rome', 'lima'], startMs: DEFAULT_START_MS + 86_400_000 - 3_600_000, stepMs: 300_000, segments: 300, nullEvery: 9, seed: 3 });
    const second = sampleBatch({ rows: 3000, cities: ['rome', 'kyiv'], startMs: DEFAULT_START_MS, stepMs: 60_000, segments: 300, seed: 4 });
    const progress: LakeProgress[] = [];
    const result = await lake.writeShard('roundtrip-1', [first, second], { onProgress: (p) => progress.push(p), expectedRows: 12_000 });
    expect(result.rows).toBe(12_000);
    expect(result.partitions).toBe(7); // oslo, rome, lima on two days, plus kyiv on the first
    expect(progress.at(-1)).toMatchObject({ operation: 'write', rows: 12_000, done: true, files: result.files, totalRows: 12_000 });

    const batches = await readAll(lake);
    expect(countRows(batches)).toBe(12_000);
    expect(sortedRows(batches)).toEqual(sortedRows([first, second]));
    const schema = batches[0]!.schema;
    expect(schema.names).toEqual(sampleSchema.names);
    for (const name of ['city', 'road_class', 'source']) {
      const type = schema.fields.find((f) => f.name === name)!.type as Dictionary;
      expect(type.typeId).toBe(Type.Dictionary);
      expect(type.dictionary.typeId).toBe(Type.Utf8);
    }
    expect(String(schema.fields[0]!.type)).toBe('Timestamp<MILLISECOND, UTC>');
    await lake.close();
  });

  it('projects columns in the order asked, including the path-only city column', async () => {
    const lake = await open({});
    const batch = sampleBatch({ rows: 2000, cities: ['oslo', 'rome'], segments: 50 });
    await lake.writeShard('projection', batch);
    const batches = await readAll(lake, { columns: ['congestion', 'city', 'timestamp'] });
    expect(batches[0]!.schema.names).toEqual(['congestion', 'city', 'timestamp']);
    const got = sortedRows(batches);
    const want = sortedRows([batch]).map((r) => ({ congestion: r.congestion, city: r.city, timestamp: r.timestamp }));
    expect(got).toEqual(want);
    await lake.close();
  });
});

describe('lake on S3 with large files', () => {
  it('uploads a file above the part size as multipart and reads it back', async () => {
    const lake = await openLake(`s3://${s3.bucket}/big-lake`, {
      threads: 0,
      compression: 'none',
      s3: { ...s3.options, multipartThreshold: 5 * 1024 * 1024, partSize: 5 * 1024 * 1024 },
    });
    const batch = sampleBatch({ rows: 150_000, cities: ['oslo'], segments: 50_000, stepMs: 60_000, seed: 9 });
    const result = await lake.writeShard('big', batch);
    expect(result.bytes).toBeGreaterThan(5 * 1024 * 1024);
    expect((await lake.ls()).map((p) => p.rows)).toEqual([150_000]);
    const staged = s3.events.filter((e) => e.key.includes('_staging/big/') && e.name === 'ObjectCreated:Post');
    expect(staged).toHaveLength(1);
    const storage = new S3Storage({ ...s3.options, bucket: s3.bucket, prefix: 'big-lake' });
    expect(await storage.size('date=2026-01-05/city=oslo/part-big-0.parquet')).toBe(result.bytes);
    await storage.close();
    // One partition, one file: the scan returns rows in write order, so columns compare directly.
    const batches = await readAll(lake, { columns: ['timestamp', 'segment_id', 'current_speed_kmh'] });
    const column = (name: string) => batches.flatMap((b) => [...b.getChild(name)!.toArray()]);
    expect(column('timestamp')).toEqual([...batch.getChild('timestamp')!.toArray()]);
    expect(column('current_speed_kmh')).toEqual([...batch.getChild('current_speed_kmh')!.toArray()]);
    const segments = batches.flatMap((b) => [...b.getChild('segment_id')!]);
    for (const i of [0, 1, 49_999, 50_000, 123_456, 149_999]) expect(segments[i]).toBe(batch.getChild('segment_id')!.get(i));
    await lake.close();
  });
});
