/**
 * A graph file (or an OSM road network) into `<lake>/_graph/<city>.json`, as `convoy import-graph` does:
 * read it (read-graph-file.ts), turn distances into weights when asked (the Gaussian kernel, sensor-graph.ts),
 * build the sparse adjacency and store it (graph-store.ts).
 */
import { basename } from 'node:path';
import { readDatasetInfo } from '../lake/datasets.ts';
import { saveSensorGraph, withStorage, type LakeLike } from './graph-store.ts';
import { readGraphFile, readIdsFile, type GraphFileFormat } from './read-graph-file.ts';
import { gaussianKernel, SensorGraphError, thresholdWeights, toSparse, type GraphOrigin, type SensorGraph } from './sensor-graph.ts';

export interface ImportGraphOptions {
  city: string;
  /** @default guessed: a from/to header or 3 cells a row is an edge list, else a matrix */
  format?: GraphFileFormat;
  /** File of sensor ids in order, for a matrix without a header (or to fix an edge list's sensors). */
  idsFile?: string;
  /** `gaussian`: the values are distances, weighted by DCRNN's kernel. @default 'none' (the values are weights) */
  kernel?: 'none' | 'gaussian';
  /** Weights below this are dropped. @default 0.1 with the Gaussian kernel, else 0 (every positive weight kept) */
  threshold?: number;
  /** Gaussian kernel's σ. @default the standard deviation of the distances */
  sigma?: number;
}

export interface ImportGraphResult {
  key: string;
  graph: SensorGraph;
  edges: number;
  skippedEdges: number;
  selfLoops: number;
  /** How the graph's ids meet the sensors `convoy import` recorded for the city; absent when none were. */
  coverage?: GraphCoverage;
}

export interface GraphCoverage {
  /** Sensors the import recorded for the city. */
  imported: number;
  /** Graph ids with no imported sensor (a typo, another dataset, or ids given in another form). */
  notImported: string[];
  /** Imported sensors the graph lacks (a model sees them without neighbours). */
  notInGraph: string[];
}

export async function importGraphFile(lake: LakeLike, path: string, options: ImportGraphOptions): Promise<ImportGraphResult> {
  const ids = options.idsFile ? await readIdsFile(options.idsFile) : undefined;
  const contents = await readGraphFile(path, { format: options.format, ids });
  if (contents.ids.length === 0) throw new SensorGraphError(`${path}: no sensors in the file`);
  const kernel = options.kernel ?? 'none';
  let origin: GraphOrigin;
  let edges = contents;
  if (kernel === 'gaussian') {
    const k = gaussianKernel(contents, { threshold: options.threshold, sigma: options.sigma });
    edges = { ...contents, ...k.edges };
    origin = { kind: contents.format === 'edges' ? 'edges' : 'distance', file: basename(path), kernel, sigma: k.sigma, threshold: k.threshold };
  } else {
    edges = { ...contents, ...thresholdWeights(contents, options.threshold ?? 0) };
    origin = { kind: contents.format === 'edges' ? 'edges' : 'adjacency', file: basename(path), kernel, ...(options.threshold !== undefined ? { threshold: options.threshold } : {}) };
  }
  const graph: SensorGraph = { city: options.city, ids: contents.ids, adjacency: toSparse(edges), origin };
  return { ...(await storeGraph(lake, graph)), skippedEdges: contents.skippedEdges };
}

/** Stores a graph made elsewhere (e.g. from an OSM network) and counts what it holds. */
export async function storeGraph(lake: LakeLike, graph: SensorGraph): Promise<Omit<ImportGraphResult, 'skippedEdges'>> {
  return withStorage(lake, async (storage) => {
    const key = await saveSensorGraph(storage, graph);
    const { rowPtr, col } = graph.adjacency;
    let selfLoops = 0;
    for (let i = 0; i + 1 < rowPtr.length; i++) for (let e = rowPtr[i]!; e < rowPtr[i + 1]!; e++) if (col[e] === i) selfLoops++;
    const info = await readDatasetInfo(storage, graph.city);
    let coverage: GraphCoverage | undefined;
    if (info && info.sensorIds.length > 0) {
      const imported = new Set(info.sensorIds);
      const inGraph = new Set(graph.ids);
      coverage = { imported: imported.size, notImported: graph.ids.filter((id) => !imported.has(id)), notInGraph: info.sensorIds.filter((id) => !inGraph.has(id)) };
    }
    return { key, graph, edges: col.length, selfLoops, ...(coverage ? { coverage } : {}) };
  });
}
