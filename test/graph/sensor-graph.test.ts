/**
 * Sensor graphs from files and from OSM, stored beside a lake and loaded back; and importFiles on Parquet
 * (written by DuckDB, as other tools would hand it over).
 */
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gaussianKernel, GraphFileError, importGraphFile, loadSensorGraph, readGraphFile, storeGraph, type SensorGraph } from '../../tasks/graph/index.ts';
import { osmSegmentGraph } from '../../tasks/graph/osm-graph.ts';
import { openLake, readDatasetInfo } from '../../tasks/lake/index.ts';
import { importFiles, loadRoadNetwork } from '../../tasks/sources/index.ts';
import { duckCount, lakeGlob, openDuckDB, tempDir, type DuckDB } from '../lake/helpers.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');

let dir: Awaited<ReturnType<typeof tempDir>>;
let duck: DuckDB;
beforeAll(async () => {
  dir = await tempDir('convoy-graph-');
  duck = await openDuckDB();
});
afterAll(async () => {
  duck?.close();
  await dir?.remove();
});

function edges(g: SensorGraph): [string, string, number][] {
  const out: [string, string, number][] = [];
  const { rowPtr, col, weight } = g.adjacency;
  for (let i = 0; i < g.ids.length; i++) for (let e = rowPtr[i]!; e < rowPtr[i + 1]!; e++) out.push([g.ids[i]!, g.ids[col[e]!]!, weight[e]!]);
  return out;
}

describe('graph files', () => {
  it('reads a matrix without a header through ids, with row labels checked', async () => {
    const file = path.join(dir.path, 'adj.csv');
    await writeFile(file, 'x,0,0.5\ny,0.25,0\n');
    const g = await readGraphFile(file, { ids: ['x', 'y'] });
    // A 0 on the diagonal stays (a distance to itself; as a weight it is dropped later), off it means no edge.
    expect({ ids: g.ids, from: g.from, to: g.to, value: g.value }).toEqual({ ids: ['x', 'y'], from: [0, 0, 1, 1], to: [0, 1, 0, 1], value: [0, 0.5, 0.25, 0] });
    await expect(readGraphFile(file, { ids: ['y', 'x'] })).rejects.toThrow(/line 1: the row is labelled "x" but is row 1, sensor "y"/);
    // A header with a corner cell, as pandas writes a labelled frame.
    await writeFile(file, ',x,y\nx,0,0.5\ny,0.25,0\n');
    expect((await readGraphFile(file)).value).toEqual([0, 0.5, 0.25, 0]);
  });

  it('keeps only the given sensors of an edge list, in their order, and counts the edges it skips', async () => {
    const g = await readGraphFile(path.join(FIXTURES, 'import/edges.csv'), { ids: ['d', 'c', 'b', 'a'] });
    expect(g.format).toBe('edges');
    expect(g.skippedEdges).toBe(1);
    expect(g.from.map((i, k) => [g.ids[i], g.ids[g.to[k]!], g.value[k]])).toEqual([['a', 'b', 100], ['b', 'c', 200], ['c', 'd', 300]]);
    const k = gaussianKernel(g, { sigma: 100, threshold: 0.01 });
    expect(k.edges.value.map((w) => Number(w.toFixed(6)))).toEqual([Number(Math.exp(-1).toFixed(6)), Number(Math.exp(-4).toFixed(6))]);
  });

  it('names the line of a value that is not a number', async () => {
    const file = path.join(dir.path, 'text.csv');
    await writeFile(file, 'a,b\n0,1\nnear,0\n');
    const error = await readGraphFile(file).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(GraphFileError);
    expect((error as Error).message).toMatch(/text\.csv, line 3: column 1 \(sensor "a"\): "near" is not a number/);
  });

  it('stores an adjacency beside the lake, replaced on import again', async () => {
    const lake = path.join(dir.path, 'lake-adj');
    const file = path.join(dir.path, 'w.csv');
    await writeFile(file, 'p,q\n0,2\n2,0\n');
    await importGraphFile(lake, file, { city: 'bay' });
    expect(edges(await loadSensorGraph(lake, 'bay'))).toEqual([['p', 'q', 2], ['q', 'p', 2]]);
    await writeFile(file, 'p,q\n0,3\n0,0\n');
    await importGraphFile(lake, file, { city: 'bay' });
    expect(edges(await loadSensorGraph(lake, 'bay'))).toEqual([['p', 'q', 3]]);
  });
});

describe('graph from OSM', () => {
  it('links the segments of the network that share a node, both ways, one node per segment of the builder', async () => {
    const extract = path.join(FIXTURES, 'osm/liechtenstein-2013-08-03.osm.pbf');
    const [graph, network] = await Promise.all([osmSegmentGraph(extract, 'vaduz'), loadRoadNetwork(extract)]);
    expect(graph.ids).toEqual(network.segments.map((s) => s.id));
    const all = edges(graph);
    const set = new Set(all.map(([a, b]) => `${a}|${b}`));
    expect(all.length).toBeGreaterThan(graph.ids.length);
    for (const [a, b] of all) {
      expect(a).not.toBe(b);
      expect(set.has(`${b}|${a}`)).toBe(true);
    }
    // Consecutive pieces of one way are neighbours.
    const pieces = graph.ids.filter((id) => id.endsWith(':1'));
    expect(pieces.length).toBeGreaterThan(0);
    for (const id of pieces) expect(set.has(`${id.replace(/:1$/, ':0')}|${id}`)).toBe(true);
    // Most segments meet another one (only isolated, clipped ways do not).
    const linked = new Set(all.map(([a]) => a));
    expect(linked.size / graph.ids.length).toBeGreaterThan(0.9);
    const lake = path.join(dir.path, 'lake-osm');
    await storeGraph(lake, graph);
    expect(edges(await loadSensorGraph(lake, 'vaduz'))).toHaveLength(all.length);
  });
});

describe('importFiles on Parquet', () => {
  it('imports a wide Parquet file as DuckDB writes it, and records the source unit', async () => {
    const parquet = path.join(dir.path, 'wide.parquet');
    const csv = path.join(FIXTURES, 'import/wide-mph.csv');
    await duck.rows(`COPY (SELECT strftime(column0, '%Y-%m-%d %H:%M:%S') AS time, * EXCLUDE (column0) FROM read_csv('${csv}', header = true, nullstr = ['', 'NaN'])) TO '${parquet}' (FORMAT parquet)`);
    const lakeDir = path.join(dir.path, 'lake-parquet');
    const lake = await openLake(lakeDir, { threads: 0 });
    try {
      const mapping = { dataset: 'bay', city: 'bay', layout: 'wide' as const, speedUnit: 'mph' as const, zeroIsMissing: true, timeZone: 'America/Los_Angeles', wide: { timestampColumn: 'time' } };
      const result = await importFiles(lake, [parquet], { mapping });
      expect(result).toMatchObject({ samples: 11, missing: 4, sensors: 3, sensorsWithoutCoordinates: 3 });
      expect((await importFiles(lake, [parquet], { mapping })).files[0]!.replaced).toBe(true);
      expect(await readDatasetInfo(lake.storage, 'bay')).toMatchObject({ speedUnit: 'mph', sensors: 3, sensorIds: ['1001', '1002', '1003'] });
      // A graph is checked against the sensors imported for its city.
      const file = path.join(dir.path, 'partial.csv');
      await writeFile(file, '1001,1002,9999\n0,1,0\n1,0,0\n0,0,0\n');
      const { coverage } = await importGraphFile(lake, file, { city: 'bay' });
      expect(coverage).toEqual({ imported: 3, notImported: ['9999'], notInGraph: ['1003'] });
    } finally {
      await lake.close();
    }
    expect(await duckCount(duck, lakeDir)).toBe(11);
    const [[max]] = (await duck.rows(`SELECT max(current_speed_kmh)::DOUBLE FROM ${lakeGlob(lakeDir)}`)) as [[number]];
    expect(max).toBeCloseTo(65.5 * 1.609344, 4);
  });
});
