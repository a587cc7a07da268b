import { Table, tableFromIPC, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { batchesFromSamples, SampleBatchBuilder, StringDictionary } from '../../tasks/traffic/batch-builder.ts';
import { congestionOf, type Sample, sampleSchema } from '../../tasks/traffic/schema.ts';

function sample(i: number, over: Partial<Sample> = {}): Sample {
  const ff = 50 + (i % 7);
  const cur = 20 + (i % 30);
  return {
    timestamp: Date.UTC(2026, 0, 1) + i * 60_000,
    city: i % 2 ? 'berlin' : 'tokyo',
    segment_id: `seg:${i}:é`,
    lat: 52 + i / 1000,
    lon: 13 - i / 1000,
    road_class: i % 3 ? 'primary' : 'residential',
    hour: i % 24,
    day_of_week: (i % 7) + 1,
    free_flow_speed_kmh: ff,
    current_speed_kmh: cur,
    congestion: congestionOf(cur, ff),
    confidence: 0.5,
    free_flow_travel_time_s: i % 5 === 0 ? null : 10 + i,
    current_travel_time_s: i % 5 === 0 ? null : 20 + i,
    source: i % 4 === 0 ? 'import:metr-la' : 'synthetic',
    ...over,
  };
}

describe('SampleBatchBuilder', () => {
  it('builds batches in sampleSchema that survive an IPC round trip value for value', () => {
    const samples = Array.from({ length: 1000 }, (_, i) => sample(i));
    const batches = batchesFromSamples(samples, 300);
    expect(batches.map((b) => b.numRows)).toEqual([300, 300, 300, 100]);
    const table = tableFromIPC(tableToIPC(new Table(batches)));
    expect(table.schema.fields.map((f) => [f.name, String(f.type), f.nullable])).toEqual(
      sampleSchema.fields.map((f) => [f.name, String(f.type), f.nullable]),
    );
    const rows = table.toArray().map((r) => r.toJSON());
    for (let i = 0; i < samples.length; i += 37) {
      const want = samples[i]!;
      const got = rows[i]!;
      expect(got['timestamp']).toBe(want.timestamp);
      expect(got['city']).toBe(want.city);
      expect(got['segment_id']).toBe(want.segment_id);
      expect(got['road_class']).toBe(want.road_class);
      expect(got['source']).toBe(want.source);
      expect(got['lat']).toBe(want.lat);
      expect(got['hour']).toBe(want.hour);
      expect(got['day_of_week']).toBe(want.day_of_week);
      expect(got['current_speed_kmh']).toBeCloseTo(want.current_speed_kmh, 5);
      expect(got['free_flow_travel_time_s']).toBe(want.free_flow_travel_time_s === null ? null : Math.fround(want.free_flow_travel_time_s));
      expect(got['current_travel_time_s']).toBe(want.current_travel_time_s === null ? null : Math.fround(want.current_travel_time_s));
    }
  });

  it('keeps timestamps beyond 2^32 ms exact and counts nulls only where given', () => {
    const b = new SampleBatchBuilder(4);
    const far = Date.UTC(2099, 11, 31, 23, 59, 59, 999);
    b.append(sample(1, { timestamp: far }));
    b.append(sample(2, { free_flow_travel_time_s: null, current_travel_time_s: 3 }));
    b.append(sample(3));
    const batch = b.finish();
    expect(batch.getChild('timestamp')!.get(0)).toBe(far);
    expect(batch.getChild('free_flow_travel_time_s')!.nullCount).toBe(1);
    expect(batch.getChild('current_travel_time_s')!.nullCount).toBe(0);
    expect(batch.getChild('free_flow_travel_time_s')!.get(2)).toBe(13);
    expect(b.length).toBe(0);
  });

  it('shares one dictionary vector across batches while no value is added', () => {
    const dicts = { city: new StringDictionary(['berlin']), roadClass: new StringDictionary(['primary', 'residential']), source: new StringDictionary(['synthetic']) };
    const b = new SampleBatchBuilder(2, dicts);
    b.append(sample(1, { source: 'synthetic' }));
    const first = b.finish();
    b.append(sample(3, { source: 'synthetic' }));
    const second = b.finish();
    expect(first.getChild('city')!.data[0]!.dictionary).toBe(second.getChild('city')!.data[0]!.dictionary);
    b.append(sample(5, { city: 'oslo', source: 'synthetic' }));
    const third = b.finish();
    expect(third.getChild('city')!.get(0)).toBe('oslo');
    expect(third.getChild('city')!.data[0]!.dictionary).not.toBe(first.getChild('city')!.data[0]!.dictionary);
  });

  it('refuses rows beyond its capacity and a non-positive capacity', () => {
    const b = new SampleBatchBuilder(1);
    b.append(sample(0));
    expect(() => b.append(sample(1))).toThrow(/full \(1 rows\)/);
    expect(() => new SampleBatchBuilder(0)).toThrow(/positive integer/);
  });
});

describe('congestionOf', () => {
  it('is 1 − current/free-flow clamped to [0, 1]', () => {
    expect(congestionOf(30, 60)).toBeCloseTo(0.5);
    expect(congestionOf(80, 60)).toBe(0);
    expect(congestionOf(0, 60)).toBe(1);
    expect(congestionOf(10, 0)).toBe(0);
  });
});
