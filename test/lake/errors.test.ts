/** Bad input to the lake gets a clear error that names it, and nothing already stored changes. */
import { Field, Float32, makeData, RecordBatch, Schema, Struct } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { InvalidShardIdError, LakeOptionsError, LakeSchemaMismatchError, NullPartitionValueError, ShardWriteError, openLake } from '../../tasks/lake/index.ts';
import { sampleSchema } from '../../tasks/traffic/schema.ts';
import { countRows, readAll, tempDir } from './helpers.ts';
import { sampleBatch } from './samples.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let counter = 0;
const lakePath = () => `${dir.path}/lake-${counter++}`;

beforeAll(async () => {
  dir = await tempDir();
});
afterAll(async () => dir?.remove());

describe('lake input errors', () => {
  it('refuses shard ids that cannot name files', async () => {
    const lake = await openLake(lakePath(), { threads: 0 });
    for (const id of ['', '../x', 'a/b', 'date=1', '-leading', 'x'.repeat(201)]) {
      await expect(lake.writeShard(id, sampleBatch({ rows: 10 }))).rejects.toBeInstanceOf(InvalidShardIdError);
    }
    await lake.close();
  });

  it('refuses a batch in another schema, naming the column, and keeps what was stored', async () => {
    const lake = await openLake(lakePath(), { threads: 0 });
    await lake.writeShard('ok', sampleBatch({ rows: 100 }));
    const good = sampleBatch({ rows: 50 });
    const fields = sampleSchema.fields.map((f) => (f.name === 'hour' ? new Field('hour', new Float32(), false) : f));
    const schema = new Schema(fields);
    const children = good.data.children.map((c, i) => (fields[i]!.name === 'hour' ? makeData({ type: new Float32(), length: 50, data: new Float32Array(50) }) : c));
    const bad = new RecordBatch(schema, makeData({ type: new Struct(fields), length: 50, nullCount: 0, children }));
    const error = await lake.writeShard('bad', bad).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardWriteError);
    expect((error as Error).cause).toBeInstanceOf(LakeSchemaMismatchError);
    expect((error as Error).message).toMatch(/column "hour" is Float32, expected Int8/);
    expect(countRows(await readAll(lake))).toBe(100);
    await lake.close();
  });

  it('refuses rows without a partition value', async () => {
    const lake = await openLake(lakePath(), { threads: 0 });
    const batch = sampleBatch({ rows: 20 });
    const city = batch.data.children[1]!;
    const nullBitmap = new Uint8Array([0b11111110, 0xff, 0x0f]);
    const withNull = city.clone(city.type, 0, 20, 1, [undefined, city.values, nullBitmap] as never);
    const children = batch.data.children.map((c, i) => (i === 1 ? withNull : c));
    const bad = new RecordBatch(sampleSchema, makeData({ type: new Struct(sampleSchema.fields), length: 20, nullCount: 0, children }));
    const error = await lake.writeShard('nulls', bad).catch((e: unknown) => e);
    expect((error as Error).cause).toBeInstanceOf(NullPartitionValueError);
    expect((error as Error).message).toMatch(/"city" holds nulls/);
    await lake.close();
  });

  it('refuses to open a lake with a schema other than the one it holds', async () => {
    const path = lakePath();
    const lake = await openLake(path, { threads: 0 });
    await lake.writeShard('s', sampleBatch({ rows: 10 }));
    await lake.close();
    const other = new Schema(sampleSchema.fields.filter((f) => f.name !== 'confidence'));
    await expect(openLake(path, { schema: other, threads: 0 })).rejects.toThrow(LakeSchemaMismatchError);
    await expect(openLake(path, { schema: other, threads: 0 })).rejects.toThrow(/column "confidence" is missing/);
    await expect(openLake(path, { partitioning: [{ name: 'city', column: 'city', transform: 'identity' }], threads: 0 })).rejects.toThrow(/partitioned by date=day\(timestamp\)\/city=identity\(city\)/);
    // Opened without options, it reads its own schema and partitioning back.
    const reopened = await openLake(path, { threads: 0 });
    expect(reopened.schema.names).toEqual(sampleSchema.names);
    expect(countRows(await readAll(reopened))).toBe(10);
    await reopened.close();
  });

  it('names wrong options at the edge', async () => {
    await expect(openLake(lakePath(), { compression: 'brotli' as never })).rejects.toThrow(/compression/);
    await expect(openLake(lakePath(), { rowGroupSize: 10 })).rejects.toThrow(/rowGroupSize/);
    await expect(openLake(lakePath(), { dictionaryColumns: ['nope'] })).rejects.toThrow(/dictionaryColumns names "nope"/);
    await expect(openLake('gs://bucket/x')).rejects.toThrow(/Unsupported storage URL scheme "gs"/);
    const lake = await openLake(lakePath(), { threads: 0 });
    await expect(readAll(lake, { columns: ['speed'] })).rejects.toThrow(/Unknown column\(s\) "speed"/);
    await expect(readAll(lake, { filter: { partitions: { region: 'eu' } } })).rejects.toThrow(/"region", which is not a partition/);
    await expect(readAll(lake, { filter: { dateFrom: '2026-13-01' } })).rejects.toThrow(LakeOptionsError);
    await lake.close();
    expect(() => lake.scan()).toThrow(/closed/);
  });
});
