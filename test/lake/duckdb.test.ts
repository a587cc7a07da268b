/**
 * Other tools read the lake as it is: DuckDB's `read_parquet(..., hive_partitioning = true)` sees the same
 * rows, per-city counts, sums, timestamps and strings as this lake's reader, with `city` and `date` coming from
 * the paths (the files hold `city` only in their path; see partitioning.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake, type Lake } from '../../tasks/lake/index.ts';
import { lakeGlob, openDuckDB, readAll, tempDir, type DuckDB } from './helpers.ts';
import { DEFAULT_START_MS, sampleBatch } from './samples.ts';

let dir: Awaited<ReturnType<typeof tempDir>>;
let duck: DuckDB;
let lake: Lake;

beforeAll(async () => {
  dir = await tempDir();
  duck = await openDuckDB();
  lake = await openLake(`${dir.path}/lake`, { threads: 2, maxRowsPerFile: 3000 });
  // Three shards, four cities, two days, nulls in the travel times.
  await lake.writeShard('a', sampleBatch({ rows: 8000, cities: ['oslo', 'rome'], startMs: DEFAULT_START_MS + 86_400_000 - 7_200_000, stepMs: 300_000, segments: 200, nullEvery: 11, seed: 1 }));
  await lake.writeShard('b', sampleBatch({ rows: 5000, cities: ['lima', 'new_york'], stepMs: 60_000, segments: 250, seed: 2 }));
  await lake.writeShard('c', sampleBatch({ rows: 2000, cities: ['oslo'], startMs: DEFAULT_START_MS + 86_400_000, stepMs: 60_000, segments: 100, seed: 3 }));
});
afterAll(async () => {
  await lake?.close();
  duck?.close();
  await dir?.remove();
});

describe('DuckDB reading the lake', () => {
  it('agrees on rows per city and day and on column sums', async () => {
    const ours = new Map<string, { rows: number; speed: number; travel: number; nulls: number }>();
    for (const batch of await readAll(lake)) {
      const city = batch.getChild('city')!;
      const time = batch.getChild('timestamp')!;
      const speed = batch.getChild('current_speed_kmh')!;
      const travel = batch.getChild('current_travel_time_s')!;
      for (let i = 0; i < batch.numRows; i++) {
        const key = `${city.get(i)}|${new Date(time.get(i) as number).toISOString().slice(0, 10)}`;
        const entry = ours.get(key) ?? { rows: 0, speed: 0, travel: 0, nulls: 0 };
        entry.rows++;
        entry.speed += speed.get(i) as number;
        const t = travel.get(i) as number | null;
        if (t === null) entry.nulls++;
        else entry.travel += t;
        ours.set(key, entry);
      }
    }
    const theirs = await duck.rows(
      `SELECT city, strftime(date, '%Y-%m-%d'), count(*)::BIGINT, sum(current_speed_kmh)::DOUBLE, sum(current_travel_time_s)::DOUBLE,
              count(*) FILTER (WHERE current_travel_time_s IS NULL)::BIGINT
       FROM ${lakeGlob(`${dir.path}/lake`)} GROUP BY ALL ORDER BY ALL`,
    );
    expect(theirs.map((r) => `${r[0]}|${r[1]}`)).toEqual([...ours.keys()].sort());
    expect(theirs.reduce((sum, r) => sum + Number(r[2]), 0)).toBe(15_000);
    for (const [city, date, rows, speed, travel, nulls] of theirs) {
      const entry = ours.get(`${city}|${date}`)!;
      expect(Number(rows)).toBe(entry.rows);
      expect(Number(nulls)).toBe(entry.nulls);
      expect(speed as number).toBeCloseTo(entry.speed, 3);
      expect(travel as number).toBeCloseTo(entry.travel, 3);
    }
  });

  it('reads timestamps, strings and dictionary columns as the values written', async () => {
    const [ourFirst] = await lake.head(1, { filter: { city: 'lima' } });
    const [[timestamp, segment, roadClass, source, hour, city]] = (await duck.rows(
      `SELECT epoch_ms(timestamp), segment_id, road_class, source, hour, city FROM ${lakeGlob(`${dir.path}/lake`)}
       WHERE city = 'lima' ORDER BY timestamp, segment_id LIMIT 1`,
    )) as [[bigint, string, string, string, number, string]];
    expect(Number(timestamp)).toBe(ourFirst!.timestamp);
    expect([segment, roadClass, source, hour, city]).toEqual([ourFirst!.segment_id, ourFirst!.road_class, ourFirst!.source, ourFirst!.hour, ourFirst!.city]);
    const types = await duck.rows(`SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${lakeGlob(`${dir.path}/lake`)})`);
    expect(Object.fromEntries(types)).toMatchObject({ timestamp: 'TIMESTAMP WITH TIME ZONE', city: 'VARCHAR', date: 'DATE', road_class: 'VARCHAR', hour: 'TINYINT' });
  });

  it('prunes by the Hive path the way our reader does', async () => {
    const [[count]] = (await duck.rows(`SELECT count(*)::BIGINT FROM ${lakeGlob(`${dir.path}/lake`)} WHERE city = 'oslo' AND date >= DATE '2026-01-06'`)) as [[bigint]];
    const ours = (await readAll(lake, { filter: { city: 'oslo', dateFrom: '2026-01-06' } })).reduce((n, b) => n + b.numRows, 0);
    expect(Number(count)).toBe(ours);
    expect(ours).toBeGreaterThan(2000);
  });
});
