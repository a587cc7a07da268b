import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { DuckDBInstance } from '@duckdb/node-api';
import { type RecordBatch, Table } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ShardWriteError, openLake } from '../../tasks/lake/index.ts';
import { ImportRowError, openHistoricalImport, ImportMappingError } from '../../tasks/sources/index.ts';
import { sampleSchema } from '../../tasks/traffic/schema.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'convoy-import-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(it: AsyncIterable<RecordBatch>): Promise<Table> {
  const batches: RecordBatch[] = [];
  for await (const b of it) batches.push(b);
  return new Table(batches);
}

const rows = (t: Table) => t.toArray().map((r) => r.toJSON() as Record<string, any>);

describe('historical import, long layout (CSV)', () => {
  it('maps columns, converts mph to km/h, and computes local time and congestion', async () => {
    const path = join(dir, 'export.csv');
    await writeFile(
      path,
      [
        'time,sensor,speed_mph,limit_mph,lat,lon,class',
        '2026-03-02T07:00:00Z,s1,30,60,52.5,13.4,motorway',
        '2026-03-02T07:05:00Z,s1,NA,60,52.5,13.4,motorway',
        '2026-03-02T07:05:00Z,s2,25,25,52.6,13.5,residential',
      ].join('\n'),
    );
    const imp = await openHistoricalImport(path, {
      dataset: 'city-export',
      city: 'berlin',
      speedUnit: 'mph',
      columns: { timestamp: 'time', segmentId: 'sensor', speed: 'speed_mph', freeFlowSpeed: 'limit_mph', lat: 'lat', lon: 'lon', roadClass: 'class' },
    });
    const t = await collect(imp.batches());
    expect(t.schema.fields.map((f) => f.name)).toEqual(sampleSchema.fields.map((f) => f.name));
    expect(imp.stats).toEqual({ rows: 3, samples: 2, missing: 1, badRows: 0 });
    const [a, b] = rows(t);
    expect(a).toMatchObject({ segment_id: 's1', city: 'berlin', road_class: 'motorway', hour: 8, day_of_week: 1, source: 'import:city-export', confidence: 1 });
    expect(a!.current_speed_kmh).toBeCloseTo(30 * 1.609344, 4);
    expect(a!.free_flow_speed_kmh).toBeCloseTo(60 * 1.609344, 4);
    expect(a!.congestion).toBeCloseTo(0.5, 5);
    expect(b!.congestion).toBe(0);
  });

  it('names file, row and column of an unreadable value, or skips such rows when asked', async () => {
    const path = join(dir, 'bad.csv');
    await writeFile(path, 'time,sensor,speed,lat,lon\n2026-03-02T07:00:00Z,s1,50,1,2\n2026-03-02T07:05:00Z,s1,fast,1,2\nyesterday,s1,40,1,2\n');
    const mapping = { dataset: 'x', city: 'berlin', columns: { timestamp: 'time', segmentId: 'sensor', speed: 'speed', lat: 'lat', lon: 'lon' } };
    const strict = await openHistoricalImport(path, mapping);
    const err = await collect(strict.batches()).catch((e) => e);
    expect(err).toBeInstanceOf(ImportRowError);
    // Lines as the file counts them: the header is line 1, so the second data row is line 3.
    expect(err.message).toMatch(/bad\.csv, line 3, column "speed": not a number \(value "fast"\)/);
    expect({ line: err.line, row: err.row }).toEqual({ line: 3, row: 2 });
    const lenient = await openHistoricalImport(path, { ...mapping, onBadRow: 'skip' });
    expect((await collect(lenient.batches())).numRows).toBe(1);
    expect(lenient.stats.badRows).toBe(2);
  });

  it('rejects a mapping that does not fit the file or the schema', async () => {
    const path = join(dir, 'small.csv');
    await writeFile(path, 'time,sensor,speed\n2026-03-02T07:00:00Z,s1,50\n');
    await expect(openHistoricalImport(path, { dataset: 'x', city: 'berlin', columns: { timestamp: 'time', segmentId: 'id', speed: 'speed' } })).rejects.toThrow(/column "id".*not in the file/);
    await expect(openHistoricalImport(path, { dataset: 'Bad Name', city: 'berlin', layout: 'wide' })).rejects.toThrow(ImportMappingError);
    await expect(openHistoricalImport(path, { dataset: 'x', city: 'berlin', layout: 'wide', wide: {} })).rejects.toThrow(/timestampColumn.*start.*intervalSeconds/);
    const mapping = { dataset: 'x', city: 'berlin', columns: { timestamp: 'time', segmentId: 'sensor', speed: 'speed' } };
    const required = await openHistoricalImport(path, { ...mapping, coordinates: 'required' });
    await expect(collect(required.batches())).rejects.toThrow(/no coordinates for sensor "s1"/);
    // Optional by default: the sample is kept, identified by its segment id, with NaN coordinates.
    const optional = await openHistoricalImport(path, mapping);
    const [row] = rows(await collect(optional.batches()));
    expect(row).toMatchObject({ segment_id: 's1', current_speed_kmh: 50 });
    expect([row!.lat, row!.lon]).toEqual([NaN, NaN]);
    expect([...optional.sensorsWithoutCoordinates]).toEqual(['s1']);
  });
});

describe('historical import, validation', () => {
  const mapping = { dataset: 'x', city: 'berlin', columns: { timestamp: 'time', segmentId: 'sensor', speed: 'speed', lat: 'lat', lon: 'lon', confidence: 'conf' } };
  const header = 'time,sensor,speed,lat,lon,conf';
  const good = '2026-03-02T07:00:00Z,s1,50,52.5,13.4,0.9';

  async function firstError(lines: (string | Buffer)[], extra: object = {}): Promise<ImportRowError> {
    const path = join(dir, `v-${Math.random().toString(36).slice(2)}.csv`);
    await writeFile(path, Buffer.concat(lines.flatMap((l) => [Buffer.isBuffer(l) ? l : Buffer.from(l), Buffer.from('\n')])));
    const imp = await openHistoricalImport(path, { ...mapping, ...extra });
    const error = await collect(imp.batches()).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ImportRowError);
    return error as ImportRowError;
  }

  it('refuses values outside their column range from the schema, naming line, column and value', async () => {
    const lat = await firstError([header, good, '2026-03-02T07:05:00Z,s1,50,952.5,13.4,0.9']);
    expect(lat.message).toMatch(/, line 3, column "lat": lat 952\.5 is outside -90–90 ° \(value "952\.5"\)/);
    expect((await firstError([header, '2026-03-02T07:00:00Z,s1,50,52.5,-181,1'])).message).toMatch(/line 2, column "lon": lon -181 is outside -180–180/);
    expect((await firstError([header, '2026-03-02T07:00:00Z,s1,50,52.5,13.4,1.5'])).message).toMatch(/line 2, column "conf": confidence 1\.5 is outside 0–1/);
    expect((await firstError([header, '2026-03-02T07:00:00Z,s1,-3,52.5,13.4,1'])).message).toMatch(/line 2, column "speed": speed -3 km\/h is outside 0–300 km\/h/);
    // Speeds are checked after unit conversion: 200 mph is 321.9 km/h.
    expect((await firstError([header, '2026-03-02T07:00:00Z,s1,200,52.5,13.4,1'], { speedUnit: 'mph' })).message).toMatch(/speed 200 mph \(321\.9 km\/h\) is outside 0–300 km\/h/);
    // Milliseconds read as seconds land in the year 58000.
    expect((await firstError([header, '1772434800000,s1,50,52.5,13.4,1'], { timestampFormat: 'epoch_s' })).message).toMatch(/column "time": timestamp .* is outside 1970\.\.2100/);
    // Number() would read these as 31, 0 and 1000.
    expect((await firstError([header, '2026-03-02T07:00:00Z,s1,0x1f,52.5,13.4,1'])).message).toMatch(/column "speed": not a number \(value "0x1f"\)/);
    expect((await firstError([header, '2026-03-02T07:00:00Z,s1,50,52.5,13.4,1e3'])).message).toMatch(/confidence 1000 is outside/);
  });

  it('refuses a row of binary garbage as such, instead of counting it as a missing reading', async () => {
    // Vertical tab and form feed trim to '' and Number('') is 0: with zeroIsMissing the old importer counted
    // this row as "missing"; 0xff is not UTF-8 and decodes to U+FFFD.
    const garbage = Buffer.from([0x0b, 0x0c, 0x2c, 0x0c, 0x2c, 0xff, 0x00, 0x2c, 0x0b, 0x2c, 0x0b, 0x2c, 0x0c]);
    const error = await firstError([header, good, garbage, good], { zeroIsMissing: true });
    expect(error.line).toBe(3);
    expect(error.message).toMatch(/, line 3: binary data \(control bytes or invalid UTF-8\)/);
    // A wrong number of fields is a bad row too (it used to end the file in the CSV parser, even with skip).
    expect((await firstError([header, good, '2026-03-02T07:05:00Z,s1,50'])).message).toMatch(/, line 3: 3 fields, the header has 6/);
  });

  it('skips bad rows when asked, counting them and reporting each with its line', async () => {
    const path = join(dir, 'skip.csv');
    const lines = [header, good, '', '2026-03-02T07:05:00Z,s1,50,952.5,13.4,0.9', '"2026-03-02T07:10:00Z",s1,"5', '0",52.5,13.4,1', 'x,y', good];
    await writeFile(path, Buffer.concat([Buffer.from(lines.slice(0, 6).join('\n') + '\n'), Buffer.from([0x0b, 0x2c, 0x0c, 0x2c, 0x0b, 0x2c, 0x0c, 0x2c, 0x0b, 0x2c, 0x0c, 0x0a]), Buffer.from(lines.slice(6).join('\n') + '\n')]));
    const skipped: ImportRowError[] = [];
    const imp = await openHistoricalImport(path, { ...mapping, onBadRow: 'skip', zeroIsMissing: true }, { onSkippedRow: (e) => skipped.push(e) });
    const t = await collect(imp.batches());
    expect(t.numRows).toBe(2);
    // A quoted field that spans lines 5-6 ("5\n0" is not a number) is reported on the line it ends on.
    expect(skipped.map((e) => [e.line, e.column])).toEqual([[4, 'lat'], [6, 'speed'], [7, ''], [8, '']]);
    expect(imp.stats).toEqual({ rows: 6, samples: 2, missing: 0, badRows: 4 });
  });

  it('commits nothing to the lake when an import fails part-way', async () => {
    const path = join(dir, 'late-bad.csv');
    const rows = Array.from({ length: 300 }, (_, i) => `2026-03-02T${String(7 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00Z,s${i % 7},${40 + (i % 20)},52.5,13.4,1`);
    rows[250] = '2026-03-02T11:10:00Z,s1,50,952.5,13.4,1';
    await writeFile(path, [header, ...rows].join('\n'));
    const lake = await openLake(join(dir, 'import-lake'), { threads: 0 });
    const imp = await openHistoricalImport(path, mapping, { batchRows: 64 });
    const error = await lake.writeShard('import-berlin', imp.batches()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ShardWriteError);
    expect((error as Error).message).toMatch(/line 252, column "lat": lat 952\.5 is outside/);
    expect(await lake.committedShards()).toEqual([]);
    const stored: string[] = [];
    for await (const { key } of lake.storage.list()) if (!key.startsWith('_lake.json')) stored.push(key);
    expect(stored).toEqual([]);
    await lake.close();
  });
});

describe('historical import, wide layout', () => {
  const sensors = {
    '773869': { lat: 34.15497, lon: -118.31829, freeFlowSpeed: 65 },
    '767541': { lat: 34.11621, lon: -118.23799 },
    '767542': { lat: 34.11641, lon: -118.23819, roadClass: 'trunk' as const },
  };

  it('reads a METR-LA-style file: local timestamps in an unnamed column, mph, 0 = no reading', async () => {
    const path = join(dir, 'metr-la.csv');
    await writeFile(path, [',773869,767541,767542', '2012-03-01 00:00:00,64.375,67.625,0.0', '2012-03-01 00:05:00,62.667,0.0,63.5'].join('\n'));
    const imp = await openHistoricalImport(path, {
      dataset: 'metr-la',
      city: 'los_angeles',
      layout: 'wide',
      speedUnit: 'mph',
      zeroIsMissing: true,
      wide: { timestampColumn: '' },
      sensors,
    });
    const t = await collect(imp.batches());
    expect(imp.stats).toEqual({ rows: 2, samples: 4, missing: 2, badRows: 0 });
    const r = rows(t);
    expect(r.map((x) => x.segment_id)).toEqual(['773869', '767541', '773869', '767542']);
    // 2012-03-01 00:00 in Los Angeles (PST) is 08:00 UTC; local hour stays 0, a Thursday.
    expect(r[0]!.timestamp).toBe(Date.UTC(2012, 2, 1, 8, 0));
    expect(r[0]).toMatchObject({ hour: 0, day_of_week: 4, road_class: 'motorway', lat: 34.15497 });
    expect(r[0]!.current_speed_kmh).toBeCloseTo(64.375 * 1.609344, 3);
    expect(r[0]!.free_flow_speed_kmh).toBeCloseTo(65 * 1.609344, 3);
    expect(r[1]!.free_flow_speed_kmh).toBe(110); // motorway default where the sensor gives none
    expect(r[3]).toMatchObject({ road_class: 'trunk', timestamp: Date.UTC(2012, 2, 1, 8, 5) });
  });

  it('reads a gzipped PEMS-BAY-style file with a start time and interval instead of a timestamp column', async () => {
    const path = join(dir, 'pems-bay.csv.gz');
    const lines = ['773869,767541'];
    for (let i = 0; i < 300; i++) lines.push(`${60 + (i % 5)},${50 + (i % 7)}`);
    await writeFile(path, gzipSync(lines.join('\n')));
    const progress: number[] = [];
    const imp = await openHistoricalImport(
      path,
      { dataset: 'pems-bay', city: 'los_angeles', layout: 'wide', speedUnit: 'mph', wide: { start: '2017-01-01T00:00:00-08:00', intervalSeconds: 300 }, sensors },
      { batchRows: 128, onProgress: (p) => progress.push(p.fraction) },
    );
    const t = await collect(imp.batches());
    expect(t.numRows).toBe(600);
    expect(t.batches.map((b) => b.numRows)).toEqual([128, 128, 128, 128, 88]);
    const ts = t.getChild('timestamp')!;
    expect(ts.get(0)).toBe(Date.UTC(2017, 0, 1, 8));
    expect(ts.get(599)).toBe(Date.UTC(2017, 0, 1, 8) + 299 * 300_000);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1]!)).toBe(true);
  });
});

describe('historical import, Parquet', () => {
  it('streams row groups and agrees with DuckDB on count and sum', async () => {
    const path = join(dir, 'export.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run(`COPY (
        SELECT TIMESTAMPTZ '2026-03-02 00:00:00+00' + to_minutes(i::BIGINT * 5) AS ts,
               'seg-' || (i % 17) AS segment, 8 + (i % 9) * 0.5 AS speed_ms, 14.0 AS free_ms,
               52.0 + (i % 17) / 1000.0 AS lat, 13.0 AS lon
        FROM range(5000) t(i)) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`);
      const want = (await conn.runAndReadAll(`SELECT count(*)::INTEGER AS n, sum(speed_ms * 3.6) AS s FROM '${path}'`)).getRowObjects()[0]!;
      const imp = await openHistoricalImport(path, {
        dataset: 'pq',
        city: 'berlin',
        speedUnit: 'ms',
        columns: { timestamp: 'ts', segmentId: 'segment', speed: 'speed_ms', freeFlowSpeed: 'free_ms', lat: 'lat', lon: 'lon' },
      }, { batchRows: 2000 });
      const t = await collect(imp.batches());
      expect(t.numRows).toBe(want['n']);
      const speeds = t.getChild('current_speed_kmh')!.toArray() as Float32Array;
      expect(speeds.reduce((a, b) => a + b, 0)).toBeCloseTo(want['s'] as number, 0);
      expect(t.getChild('timestamp')!.get(1)).toBe(Date.UTC(2026, 2, 2, 0, 5));
      expect(t.getChild('free_flow_speed_kmh')!.get(0)).toBeCloseTo(50.4, 4);
    } finally {
      conn.closeSync?.();
      db.closeSync();
    }
  });

  it('names the row (Parquet has no lines) of a value outside its range', async () => {
    const path = join(dir, 'bad-lat.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      await conn.run(`COPY (
        SELECT TIMESTAMPTZ '2026-03-02 00:00:00+00' + to_minutes(i::BIGINT) AS ts, 'seg-' || (i % 5) AS segment, 50.0 AS speed,
               CASE WHEN i = 3000 THEN 952.5 ELSE 52.5 END AS lat, 13.0 AS lon
        FROM range(4000) t(i)) TO '${path}' (FORMAT parquet, ROW_GROUP_SIZE 1024)`);
    } finally {
      conn.closeSync?.();
      db.closeSync();
    }
    const imp = await openHistoricalImport(path, { dataset: 'pq', city: 'berlin', columns: { timestamp: 'ts', segmentId: 'segment', speed: 'speed', lat: 'lat', lon: 'lon' } });
    await expect(collect(imp.batches())).rejects.toThrow(/bad-lat\.parquet, row 3001, column "lat": lat 952\.5 is outside -90–90/);
  });

  it('says which file is not Parquet', async () => {
    const path = join(dir, 'fake.parquet');
    await writeFile(path, 'not parquet at all');
    await expect(openHistoricalImport(path, { dataset: 'x', city: 'berlin', columns: { timestamp: 't', segmentId: 's', speed: 'v' } })).rejects.toThrow(/cannot read Parquet .*fake\.parquet/);
  });
});
