import { type RecordBatch, Table, tableToIPC } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { generateShard, generateShardTable, timeGrid, InvalidShardSpecError, type ShardSpec } from '../../tasks/sources/index.ts';
import { CITY_KEYS, cityProfile, UnknownCityError } from '../../tasks/traffic/cities.ts';
import type { RoadSegment } from '../../tasks/traffic/road-network.ts';
import { sampleSchema } from '../../tasks/traffic/schema.ts';

const WEEK: Pick<ShardSpec, 'from' | 'to'> = { from: '2026-03-02T00:00:00Z', to: '2026-03-09T00:00:00Z' }; // Monday to Monday

function columns(t: Table) {
  const col = (n: string) => t.getChild(n)!.toArray() as ArrayLike<number>;
  return {
    hour: col('hour'),
    dow: col('day_of_week'),
    cur: col('current_speed_kmh'),
    ff: col('free_flow_speed_kmh'),
    cong: col('congestion'),
    conf: col('confidence'),
    roadClass: t.getChild('road_class')!,
  };
}

function mean(values: number[]): number {
  return values.reduce((a, b) => a + b, 0) / values.length;
}

describe('synthetic source', () => {
  const berlin = generateShardTable({ seed: 7, city: 'berlin', samples: 120_000, ...WEEK });

  it('yields exactly the requested count, in sampleSchema, as bounded batches', () => {
    const batches = [...generateShard({ seed: 7, city: 'berlin', samples: 100_001, ...WEEK }, { batchRows: 30_000 })];
    expect(batches.map((b) => b.numRows)).toEqual([30_000, 30_000, 30_000, 10_001]);
    expect(batches[0]!.schema.fields.map((f) => String(f.type))).toEqual(sampleSchema.fields.map((f) => String(f.type)));
    expect(berlin.numRows).toBe(120_000);
  });

  it('is deterministic for a seed and differs across seeds', () => {
    const spec: ShardSpec = { seed: 11, city: 'tokyo', samples: 5_000, ...WEEK };
    const a = tableToIPC(generateShardTable(spec));
    const b = tableToIPC(generateShardTable(spec));
    const c = tableToIPC(generateShardTable({ ...spec, seed: 12 }));
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('makes each reading a function of segment and instant, whatever the shard boundaries', () => {
    const whole = generateShardTable({ seed: 3, city: 'paris', samples: 200 * 48, syntheticSegments: 200, from: '2026-03-02T00:00:00Z', to: '2026-03-04T00:00:00Z' });
    const firstDay = generateShardTable({ seed: 3, city: 'paris', samples: 200 * 24, syntheticSegments: 200, from: '2026-03-02T00:00:00Z', to: '2026-03-03T00:00:00Z' });
    const key = (t: Table, i: number) => `${t.getChild('segment_id')!.get(i)}@${t.getChild('timestamp')!.get(i)}`;
    const speeds = new Map<string, number>();
    for (let i = 0; i < whole.numRows; i++) speeds.set(key(whole, i), whole.getChild('current_speed_kmh')!.get(i));
    let matched = 0;
    for (let i = 0; i < firstDay.numRows; i++) {
      const s = speeds.get(key(firstDay, i));
      if (s !== undefined) {
        expect(s).toBe(firstDay.getChild('current_speed_kmh')!.get(i));
        matched++;
      }
    }
    expect(matched).toBe(firstDay.numRows);
  });

  it('is slower at the morning rush than at night on weekdays', () => {
    const { hour, dow, cur, ff } = columns(berlin);
    const ratioAt = (h: number, weekday: boolean) => {
      const r: number[] = [];
      for (let i = 0; i < hour.length; i++) if (hour[i] === h && dow[i]! <= 5 === weekday) r.push(cur[i]! / ff[i]!);
      return mean(r);
    };
    const rush = ratioAt(8, true);
    const night = ratioAt(3, true);
    expect(rush).toBeLessThan(night - 0.1);
    // Weekends differ: Saturday 08:00 is far freer than Monday–Friday 08:00.
    expect(ratioAt(8, false)).toBeGreaterThan(rush + 0.1);
  });

  it('congests motorways more than residential streets at rush hour', () => {
    const { hour, dow, cong, roadClass } = columns(berlin);
    const by = (cls: string) => {
      const r: number[] = [];
      for (let i = 0; i < hour.length; i++) if ((hour[i] === 8 || hour[i] === 17) && dow[i]! <= 5 && roadClass.get(i) === cls) r.push(cong[i]!);
      return mean(r);
    };
    expect(by('motorway')).toBeGreaterThan(by('residential') + 0.1);
  });

  it('covers every local hour of every day of the week', () => {
    const { hour, dow } = columns(berlin);
    const seen = new Set<number>();
    for (let i = 0; i < hour.length; i++) seen.add(dow[i]! * 100 + hour[i]!);
    expect(seen.size).toBe(7 * 24);
  });

  it('keeps speeds, congestion and confidence consistent and in range', () => {
    const { cur, ff, cong, conf } = columns(berlin);
    for (let i = 0; i < cur.length; i += 97) {
      expect(ff[i]).toBeGreaterThan(5);
      expect(cur[i]).toBeGreaterThan(0);
      expect(cong[i]).toBeGreaterThanOrEqual(0);
      expect(cong[i]).toBeLessThanOrEqual(1);
      expect(cong[i]).toBeCloseTo(Math.min(1, Math.max(0, 1 - cur[i]! / ff[i]!)), 4);
      expect(conf[i]).toBeGreaterThan(0);
      expect(conf[i]).toBeLessThanOrEqual(1);
    }
    const ts = berlin.getChild('timestamp')!;
    for (let i = 0; i < berlin.numRows; i += 101) {
      expect(ts.get(i)).toBeGreaterThanOrEqual(Date.parse(WEEK.from as string));
      expect(ts.get(i)).toBeLessThan(Date.parse(WEEK.to as string));
    }
  });

  it('uses local time: the same UTC instant has different local hours in Tokyo and New York', () => {
    const spec = { seed: 1, samples: 100, from: '2026-06-01T00:00:00Z', to: '2026-06-01T00:10:00Z' };
    const tokyo = generateShardTable({ ...spec, city: 'tokyo' });
    const ny = generateShardTable({ ...spec, city: 'new_york' });
    expect(tokyo.getChild('hour')!.get(0)).toBe(9);
    expect(ny.getChild('hour')!.get(0)).toBe(20);
    expect(ny.getChild('day_of_week')!.get(0)).toBe(7); // Sunday evening in New York
  });

  it('generates every one of the 20 cities with its own profile', () => {
    const means = new Map<string, number>();
    for (const city of CITY_KEYS) {
      const t = generateShardTable({ seed: 5, city, samples: 2_000, from: '2026-03-03T06:00:00Z', to: '2026-03-03T18:00:00Z' });
      expect(t.numRows).toBe(2_000);
      expect(t.getChild('city')!.get(0)).toBe(city);
      const lat = t.getChild('lat')!.get(0) as number;
      expect(Math.abs(lat - cityProfile(city).center.lat)).toBeLessThan(1);
      means.set(city, mean(Array.from(t.getChild('congestion')!.toArray() as Float32Array)));
    }
    expect(new Set([...means.values()].map((m) => m.toFixed(3))).size).toBeGreaterThan(15);
  });

  it('reads the given road segments instead of inventing them', () => {
    const segments: RoadSegment[] = [
      { id: 'osm:1:0', lat: 60.17, lon: 24.94, roadClass: 'primary', maxspeedKmh: 50, maxspeedSource: 'tag', lengthM: 300 },
      { id: 'osm:2:0', lat: 60.18, lon: 24.95, roadClass: 'residential', maxspeedKmh: 30, maxspeedSource: 'default', lengthM: 120 },
    ];
    const t = generateShardTable({ seed: 9, city: 'berlin', samples: 48, segments, ...WEEK });
    const ids = new Set(Array.from({ length: t.numRows }, (_, i) => t.getChild('segment_id')!.get(i)));
    expect(ids).toEqual(new Set(['osm:1:0', 'osm:2:0']));
    const row = t.toArray().find((r) => r.segment_id === 'osm:1:0')!;
    expect(row.lat).toBe(60.17);
    expect(row.road_class).toBe('primary');
    expect(row.free_flow_speed_kmh).toBeLessThanOrEqual(50 * 1.08 + 1e-3);
    expect(row.free_flow_travel_time_s).toBeCloseTo((300 * 3.6) / row.free_flow_speed_kmh, 2);
  });

  it('lays samples on a grid that covers the range', () => {
    expect(timeGrid(10_000, 2_000, 7 * 86_400_000)).toMatchObject({ perStep: 60, steps: 167 });
    expect(timeGrid(10, 2_000, 86_400_000)).toMatchObject({ perStep: 1, steps: 10 });
    const g = timeGrid(1_000_000, 2_000, 86_400_000);
    expect(g.perStep * g.steps).toBeGreaterThanOrEqual(1_000_000);
  });

  it('rejects bad specs with errors that name the field', () => {
    expect(() => [...generateShard({ seed: 1, city: 'atlantis', samples: 1, ...WEEK })]).toThrow(UnknownCityError);
    expect(() => [...generateShard({ seed: 1, city: 'berlin', samples: 0, ...WEEK })]).toThrow(/samples/);
    expect(() => [...generateShard({ seed: 1, city: 'berlin', samples: 5, from: WEEK.to, to: WEEK.from })]).toThrow(InvalidShardSpecError);
    expect(() => [...generateShard({ seed: 1, city: 'berlin', samples: 5, from: 'yesterday', to: WEEK.to })]).toThrow(/not a date/);
    const batches: RecordBatch[] = [];
    expect(() => batches.push(...generateShard({ seed: 1, city: 'berlin', samples: 5, segments: [], ...WEEK }))).toThrow(/non-empty/);
  });
});

describe('custom city profiles', () => {
  it('accepts a valid profile of your own and rejects a broken one by field', () => {
    const helsinki = { ...cityProfile('berlin'), key: 'helsinki', name: 'Helsinki', country: 'FI', timeZone: 'Europe/Helsinki', center: { lat: 60.17, lon: 24.94 } };
    const t = generateShardTable({ seed: 1, city: helsinki, samples: 100, ...WEEK });
    expect(t.getChild('city')!.get(0)).toBe('helsinki');
    const broken = { ...helsinki, rushHour: { ...helsinki.rushHour, morningWidth: -1 } };
    expect(() => generateShardTable({ seed: 1, city: broken, samples: 100, ...WEEK })).toThrow(/city\.rushHour\.morningWidth/);
  });
});
