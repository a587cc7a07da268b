/**
 * `convoy import` and `convoy import-graph` through the real bin/convoy.mjs, with the lake read back by DuckDB
 * as a user would: every value once (and once again after a re-run), mph stored as km/h, local times at the
 * right UTC instants, one line and exit 1 or 2 for bad input with nothing committed.
 */
import { execFile } from 'node:child_process';
import { cp, readFile, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSensorGraph } from '../../tasks/graph/index.ts';
import { duckCount, lakeGlob, openDuckDB, tempDir, type DuckDB } from '../lake/helpers.ts';

const run = promisify(execFile);
const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const FIXTURES = path.resolve(import.meta.dirname, '../fixtures/import');
const fixture = (name: string) => path.join(FIXTURES, name);
const cli = (args: string[]) => run(process.execPath, [CLI, ...args], { timeout: 120_000 });
const fail = (args: string[]) =>
  cli(args).then(
    (r) => ({ ...r, code: 0 }),
    (e: { stdout: string; stderr: string; code: number }) => e,
  );
const MPH = 1.609344;

let dir: Awaited<ReturnType<typeof tempDir>>;
let duck: DuckDB;

beforeAll(async () => {
  dir = await tempDir('convoy-import-cli-');
  duck = await openDuckDB();
});
afterAll(async () => {
  duck?.close();
  await dir?.remove();
});

/** The wide fixture's readings, by hand: 5 rows × 3 sensors, 4 of them missing (empty, NaN, and two zeros). */
const WIDE_READINGS: [string, string, number][] = [
  ['2026-03-02T08:00:00.000Z', '1001', 65.5],
  ['2026-03-02T08:00:00.000Z', '1002', 62],
  ['2026-03-02T08:05:00.000Z', '1001', 64],
  ['2026-03-02T08:05:00.000Z', '1003', 58.25],
  ['2026-03-02T08:10:00.000Z', '1002', 61.5],
  ['2026-03-02T08:10:00.000Z', '1003', 57],
  ['2026-03-02T08:15:00.000Z', '1001', 63],
  ['2026-03-02T08:15:00.000Z', '1002', 60],
  ['2026-03-02T08:15:00.000Z', '1003', 56.5],
  ['2026-03-02T08:20:00.000Z', '1001', 62.5],
  ['2026-03-02T08:20:00.000Z', '1003', 55],
];

async function wideRows(lake: string): Promise<[string, string, number, number, number][]> {
  const rows = await duck.rows(
    `SELECT epoch_ms(timestamp), segment_id, current_speed_kmh::DOUBLE, lat, lon FROM ${lakeGlob(lake)} WHERE city = 'bay' ORDER BY 1, 2`,
  );
  return rows.map(([t, id, speed, lat, lon]) => [new Date(Number(t)).toISOString(), String(id), Number(speed), Number(lat), Number(lon)]);
}

describe('convoy import', () => {
  it('imports a wide CSV without coordinates once, in mph stored as km/h, and a re-run adds nothing', async () => {
    const lake = path.join(dir.path, 'wide');
    const args = ['import', '--lake', lake, '--city', 'bay', '--format', 'wide', '--units', 'mph', '--zero-is-missing', '--time-zone', 'America/Los_Angeles', fixture('wide-mph.csv')];
    const first = await cli(args);
    expect(first.stdout).toMatch(/imported 11 samples \(speeds in mph, stored as km\/h\) from 1 file .* 3 sensors, 3 without coordinates, 4 missing values skipped/);
    const expected = WIDE_READINGS.map(([t, id, mph]) => [t, id, mph * MPH]);
    const check = async () => {
      const rows = await wideRows(lake);
      expect(rows.map(([t, id]) => [t, id])).toEqual(expected.map(([t, id]) => [t, id]));
      rows.forEach(([, , kmh, lat, lon], i) => {
        expect(kmh).toBeCloseTo(expected[i]![2] as number, 4);
        expect([lat, lon]).toEqual([NaN, NaN]);
      });
    };
    await check();
    const again = await cli(args);
    expect(again.stdout).toMatch(/all already imported: replaced, nothing added/);
    await check();
    // The source unit is recorded beside the data, for reports in mph.
    const info = JSON.parse(await readFile(path.join(lake, '_datasets', 'bay.json'), 'utf8')) as { speedUnit: string; timeZone: string; files: unknown[] };
    expect(info).toMatchObject({ speedUnit: 'mph', timeZone: 'America/Los_Angeles' });
    expect(info.files).toHaveLength(1);
    // The same bytes under another name are the same shard.
    await cp(fixture('wide-mph.csv'), path.join(dir.path, 'renamed.csv'));
    await cli([...args.slice(0, -1), path.join(dir.path, 'renamed.csv')]);
    expect(await duckCount(duck, lake)).toBe(11);
  }, 300_000);

  it('reads a wide file without a time column from --start and --interval, with coordinates from --sensors', async () => {
    const lake = path.join(dir.path, 'start');
    const file = path.join(dir.path, 'no-time.csv');
    const text = await readFile(fixture('wide-mph.csv'), 'utf8');
    await writeFile(file, text.split('\n').map((l) => l.split(',').slice(1).join(',')).join('\n'));
    await cli(['import', '--lake', lake, '--city', 'bay', '--format', 'wide', '--units', 'mph', '--zero-is-missing', '--start', '2026-03-02T00:00', '--interval', '5m', '--time-zone', 'America/Los_Angeles', '--sensors', fixture('sensors.csv'), file]);
    const rows = await wideRows(lake);
    expect(rows.map(([t, id]) => [t, id])).toEqual(WIDE_READINGS.map(([t, id]) => [t, id]));
    const byId = new Map(rows.map(([, id, , lat, lon]) => [id, [lat, lon]]));
    expect(byId.get('1001')).toEqual([34.15497, -118.31829]);
    expect(byId.get('1003')).toEqual([NaN, NaN]);
  });

  it('reads a long CSV in a time zone: local times land at their UTC instants across both DST changes', async () => {
    const lake = path.join(dir.path, 'long');
    await cli(['import', '--lake', lake, '--city', 'berlin', '--time-column', 'time', '--sensor-column', 'detector', '--speed-column', 'kmh', fixture('long-berlin.csv')]);
    const rows = await duck.rows(`SELECT epoch_ms(timestamp), segment_id, current_speed_kmh::DOUBLE, hour FROM ${lakeGlob(lake)} ORDER BY 1, 2`);
    expect(rows.map(([t, id, speed, hour]) => [new Date(Number(t)).toISOString(), id, speed, Number(hour)])).toEqual([
      ['2026-03-29T00:30:00.000Z', 'd1', 80, 1], // 01:30 CET (+1), before the change at 02:00
      ['2026-03-29T01:30:00.000Z', 'd1', 75, 3], // 03:30 CEST (+2)
      ['2026-03-29T01:30:00.000Z', 'd2', 70, 3], // an explicit +02:00 is kept as it is
      ['2026-10-25T11:00:00.000Z', 'd1', 90, 12], // 12:00 CET again
    ]);
  });

  it('refuses a bad row with one line and exit 1, and leaves the lake as it was (an earlier good file too)', async () => {
    const lake = path.join(dir.path, 'bad');
    const base = ['import', '--lake', lake, '--city', 'bay', '--format', 'wide', '--units', 'mph', '--zero-is-missing'];
    const bad = await fail([...base, fixture('wide-mph.csv'), fixture('wide-bad.csv')]);
    expect(bad.code).toBe(1);
    const lines = bad.stderr.split('\n').filter((l) => l.startsWith('convoy:'));
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatch(/wide-bad\.csv, line 3, column "1002": not a number \(value "fast"\); fix the file or pass --skip-bad-rows \(nothing was imported\)$/);
    expect(await readdir(path.join(lake, '_commits')).catch(() => [])).toEqual([]);
    expect(await duckCount(duck, lake)).toBe(0);
    // With --skip-bad-rows the bad row is counted and the rest imported.
    const skipped = await cli([...base, '--skip-bad-rows', fixture('wide-bad.csv')]);
    expect(skipped.stdout).toMatch(/imported 2 samples .* 1 bad rows skipped/);
  });

  it('refuses bad flags and columns the file lacks with one line and exit 2', async () => {
    const lake = path.join(dir.path, 'usage');
    const cases: [string[], RegExp][] = [
      [['--format', 'tall', fixture('wide-mph.csv')], /--format must be long or wide, got "tall"/],
      [['--units', 'knots', fixture('wide-mph.csv')], /--units must be one of kmh, mph, ms/],
      [['--time-zone', 'Mars/Olympus', fixture('wide-mph.csv')], /unknown IANA time zone "Mars\/Olympus"/],
      [['--format', 'wide', '--start', '2026-02-30', fixture('wide-mph.csv')], /--start: .*2026-02 has no day 30/],
      [[fixture('wide-mph.csv')], /column mapped as timestamp is not in the file.*--time-column/],
      [[path.join(dir.path, 'nothing.csv')], /nothing\.csv: no such file/],
    ];
    for (const [flags, message] of cases) {
      const r = await fail(['import', '--lake', lake, '--city', 'bay', ...flags]);
      const lines = r.stderr.split('\n').filter((l) => l.startsWith('convoy:'));
      expect({ code: r.code, lines: lines.length }, r.stderr).toEqual({ code: 2, lines: 1 });
      expect(lines[0]).toMatch(message);
    }
    expect(await readdir(path.join(lake, '_commits')).catch(() => [])).toEqual([]);
  }, 300_000);
});

describe('convoy import-graph', () => {
  it('stores a distance matrix as Gaussian-kernel weights that loadSensorGraph returns', async () => {
    const lake = path.join(dir.path, 'graph');
    const out = await cli(['import-graph', '--lake', lake, '--city', 'bay', '--kernel', 'gaussian', '--threshold', '0.1', fixture('distances.csv')]);
    expect(out.stdout).toMatch(/4 sensors, 8 edges \(4 self-loops, Gaussian kernel/);
    const graph = await loadSensorGraph(lake, 'bay');
    expect(graph.ids).toEqual(['a', 'b', 'c', 'd']);
    // σ: population standard deviation of the 12 given distances (4 zeros, 100, 200, 300, 400 twice each).
    const d = [0, 0, 0, 0, 100, 100, 200, 200, 300, 300, 400, 400];
    const mean = d.reduce((a, b) => a + b) / d.length;
    const sigma = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / d.length);
    const w = (x: number) => Math.exp(-((x / sigma) ** 2));
    expect(w(300)).toBeLessThan(0.1); // dropped by the threshold, as are 400 and the empty cells
    const edges: [string, string, number][] = [];
    const { rowPtr, col, weight } = graph.adjacency;
    for (let i = 0; i < graph.ids.length; i++) for (let e = rowPtr[i]!; e < rowPtr[i + 1]!; e++) edges.push([graph.ids[i]!, graph.ids[col[e]!]!, weight[e]!]);
    const expected: [string, string, number][] = [
      ['a', 'a', 1], ['a', 'b', w(100)],
      ['b', 'a', w(100)], ['b', 'b', 1], ['b', 'c', w(200)],
      ['c', 'b', w(200)], ['c', 'c', 1],
      ['d', 'd', 1],
    ];
    expect(edges.map(([a, b]) => [a, b])).toEqual(expected.map(([a, b]) => [a, b]));
    edges.forEach(([, , x], k) => expect(x).toBeCloseTo(expected[k]![2], 6));
    expect(graph.origin).toMatchObject({ kind: 'distance', kernel: 'gaussian', threshold: 0.1 });
    expect(graph.origin.sigma).toBeCloseTo(sigma, 9);
  });

  it('refuses a ragged matrix with one line and exit 1, and a missing input with exit 2', async () => {
    const lake = path.join(dir.path, 'graph-bad');
    const file = path.join(dir.path, 'ragged.csv');
    await writeFile(file, 'a,b,c\n0,1,1\n1,0\n1,1,0\n');
    const bad = await fail(['import-graph', '--lake', lake, '--city', 'bay', file]);
    expect(bad.code).toBe(1);
    expect(bad.stderr.trim()).toMatch(/^convoy: .*ragged\.csv, line 3: 2 cells, expected 3$/);
    const none = await fail(['import-graph', '--lake', lake, '--city', 'bay']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/give a graph FILE, or --from-osm/);
    await expect(loadSensorGraph(lake, 'bay')).rejects.toThrow(/no sensor graph for city "bay".*convoy import-graph/);
  });
});
