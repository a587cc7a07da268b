/** Partition paths, batch splitting and row selection: the pieces every write and filtered read goes through. */
import { describe, expect, it } from 'vitest';
import { defaultPartitioning, parsePartitionPath, partitionPath, takeRows, PartitionSpecError } from '../../tasks/lake/index.ts';
import { splitByPartition, escapePathValue, unescapePathValue, validatePartitioning, dayNumber } from '../internal.ts';
import { sampleSchema } from '../../tasks/traffic/schema.ts';
import { DEFAULT_START_MS, sampleBatch } from './samples.ts';

const rowsOf = (batch: ReturnType<typeof sampleBatch>) => batch.toArray().map((r) => ({ ...r.toJSON() }));
const dayOf = (ms: number) => new Date(ms).toISOString().slice(0, 10);

describe('partition paths', () => {
  it('writes Hive paths and reads them back, escaping characters that would break a path', () => {
    const path = partitionPath(defaultPartitioning, ['2026-01-05', 'new/york=1%']);
    expect(path).toBe('date=2026-01-05/city=new%2Fyork%3D1%25');
    expect(parsePartitionPath(`${path}/part-x-0.parquet`)).toEqual({ date: '2026-01-05', city: 'new/york=1%' });
    for (const value of ['berlin', 'são_paulo', 'a b', 'x:y', '#1', '']) expect(unescapePathValue(escapePathValue(value))).toBe(value);
  });

  it('accepts only real calendar days as dates', () => {
    expect(dayNumber('2026-01-05')).toBe(DEFAULT_START_MS / 86_400_000);
    expect(dayNumber('2026-02-30')).toBeNaN();
    expect(dayNumber('5 Jan 2026')).toBeNaN();
  });

  it('rejects specs that name missing columns or use a non-string column as a path value', () => {
    expect(() => validatePartitioning(sampleSchema, [{ name: 'region', column: 'region', transform: 'identity' }])).toThrow(PartitionSpecError);
    expect(() => validatePartitioning(sampleSchema, [{ name: 'speed', column: 'current_speed_kmh', transform: 'identity' }])).toThrow(/must be utf8/);
    expect(() => validatePartitioning(sampleSchema, [{ name: 'date', column: 'city', transform: 'day' }])).toThrow(/not a timestamp/);
  });
});

describe('splitByPartition', () => {
  it('returns a single-partition batch as it is, with its time span', () => {
    const batch = sampleBatch({ rows: 5000, cities: ['oslo'], stepMs: 60_000, segments: 100 });
    const slices = splitByPartition(batch, defaultPartitioning);
    expect(slices).toHaveLength(1);
    expect(slices[0]!.batch).toBe(batch);
    expect(slices[0]!.values).toEqual([dayOf(DEFAULT_START_MS), 'oslo']);
    expect(slices[0]!.minTimeMs).toBe(DEFAULT_START_MS);
    expect(slices[0]!.maxTimeMs).toBe(DEFAULT_START_MS + 49 * 60_000);
  });

  it('splits a batch mixing cities and days into partitions that hold exactly their rows, in order', () => {
    // 3 cities interleaved, timestamps crossing midnight: 6 partitions.
    const batch = sampleBatch({ rows: 6000, cities: ['oslo', 'rome', 'lima'], startMs: DEFAULT_START_MS + 86_400_000 - 30 * 60_000, stepMs: 60_000, segments: 100, nullEvery: 7 });
    const slices = splitByPartition(batch, defaultPartitioning);
    const input = rowsOf(batch);
    const expected = new Map<string, typeof input>();
    for (const row of input) {
      const key = `${dayOf(row.timestamp as number)}|${row.city}`;
      expected.set(key, [...(expected.get(key) ?? []), row]);
    }
    expect(slices).toHaveLength(6);
    for (const slice of slices) {
      const rows = rowsOf(slice.batch);
      expect(rows).toEqual(expected.get(slice.values.join('|')));
      expect(slice.minTimeMs).toBe(Math.min(...rows.map((r) => r.timestamp as number)));
      expect(slice.maxTimeMs).toBe(Math.max(...rows.map((r) => r.timestamp as number)));
    }
  });
});

describe('takeRows', () => {
  it('selects rows in any order from sliced batches, keeping nulls, strings and dictionaries', () => {
    const whole = sampleBatch({ rows: 300, cities: ['oslo', 'rome'], segments: 17, nullEvery: 4 });
    const sliced = whole.slice(37, 250);
    const indices = Int32Array.from([5, 0, 212, 5, 100, 3]);
    const taken = takeRows(sliced, indices);
    const source = rowsOf(sliced);
    expect(rowsOf(taken)).toEqual([...indices].map((i) => source[i]));
    expect(taken.getChild('current_travel_time_s')!.nullCount).toBe([...indices].filter((i) => source[i]!.current_travel_time_s === null).length);
    expect(String(taken.schema.fields[1]!.type)).toBe('Dictionary<Int32, Utf8>');
  });
});
