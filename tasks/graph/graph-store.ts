/**
 * Sensor graphs beside the lake: `<lake>/_graph/<city>.json`, one per city partition.
 *
 *   const graph = await loadSensorGraph('./data/lake', 'bay');   // or a Lake, or an ObjectStorage
 *   graph.ids[0];                                                // the lake's segment_id of index 0
 *   graph.adjacency.rowPtr / col / weight                        // row-compressed, unnormalised
 *
 * JSON, because the graphs of sensor datasets are small (a few hundred sensors, a few thousand edges: tens
 * of kB) and every tool reads it (`json.load` in Python). The edges are three parallel arrays of indices into
 * `ids` and weights, in row order; an OSM city network (10^5 segments) makes a few MB. The `_` folder keeps it
 * out of Parquet globs and pyarrow/Spark datasets, and the lake's `recover()` leaves it alone.
 */
import { z } from 'zod';
import { openStorage, type ObjectStorage } from '../../cluster/storage/index.ts';
import { Lake, LAKE_METADATA_KEYS } from '../lake/index.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';
import { edgesOf, neighboursOf, type SensorGraph, toSparse } from './sensor-graph.ts';

const graphFileSchema = z.object({
  format: z.literal('convoy-sensor-graph/1'),
  city: z.string(),
  ids: z.array(z.string()),
  edges: z.object({ from: z.array(z.number().int().nonnegative()), to: z.array(z.number().int().nonnegative()), weight: z.array(z.number().finite()) }),
  origin: z.object({
    kind: z.enum(['adjacency', 'distance', 'edges', 'osm']),
    file: z.string().optional(),
    kernel: z.enum(['none', 'gaussian']),
    sigma: z.number().optional(),
    threshold: z.number().optional(),
  }),
  createdAt: z.string(),
});

export class SensorGraphNotFoundError extends TrafficError {
  override readonly name = 'SensorGraphNotFoundError';
  constructor(
    readonly lakeUrl: string,
    readonly city: string,
  ) {
    super(`no sensor graph for city ${JSON.stringify(city)} in ${lakeUrl} (no ${graphKey(city)}); make one with convoy import-graph --lake ${lakeUrl} --city ${city} FILE`);
  }
}

export class SensorGraphFileError extends TrafficError {
  override readonly name = 'SensorGraphFileError';
}

export function graphKey(city: string): string {
  return `${LAKE_METADATA_KEYS.graphs}${encodeURIComponent(city)}.json`;
}

export type LakeLike = Lake | ObjectStorage | string;

/** Runs `use` on the lake's storage, opening (and closing) it when given as a path or URL. */
export async function withStorage<T>(lake: LakeLike, use: (storage: ObjectStorage) => Promise<T>): Promise<T> {
  if (typeof lake !== 'string') return use(lake instanceof Lake ? lake.storage : lake);
  const storage = openStorage(lake);
  try {
    return await use(storage);
  } finally {
    await storage.close?.();
  }
}

export async function saveSensorGraph(lake: LakeLike, graph: SensorGraph): Promise<string> {
  const from: number[] = [];
  const to: number[] = [];
  const weight: number[] = [];
  for (const [i, j, w] of edgesOf(graph.adjacency)) {
    from.push(i);
    to.push(j);
    weight.push(w);
  }
  const body: z.input<typeof graphFileSchema> = { format: 'convoy-sensor-graph/1', city: graph.city, ids: [...graph.ids], edges: { from, to, weight }, origin: graph.origin, createdAt: new Date().toISOString() };
  const key = graphKey(graph.city);
  await withStorage(lake, (storage) => storage.put(key, new TextEncoder().encode(`${JSON.stringify(body)}\n`)));
  return key;
}

/** The sensor graph of a city: ids (the lake's segment_ids) and the sparse weighted adjacency, unnormalised. */
export async function loadSensorGraph(lake: LakeLike, city: string): Promise<SensorGraph> {
  return withStorage(lake, async (storage) => {
    const key = graphKey(city);
    const bytes = await storage.get(key);
    if (bytes === undefined) throw new SensorGraphNotFoundError(storage.url, city);
    let parsed: z.output<typeof graphFileSchema>;
    try {
      parsed = graphFileSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
    } catch (cause) {
      throw new SensorGraphFileError(`${storage.url}/${key} is unreadable (${(cause as Error).message}); make it again with convoy import-graph`, { cause });
    }
    const { ids, edges } = parsed;
    const n = ids.length;
    if (edges.to.length !== edges.from.length || edges.weight.length !== edges.from.length || edges.from.some((i) => i >= n) || edges.to.some((j) => j >= n)) {
      throw new SensorGraphFileError(`${storage.url}/${key}: edges do not fit its ${n} ids; make it again with convoy import-graph`);
    }
    const adjacency = toSparse({ ids, from: edges.from, to: edges.to, value: edges.weight });
    return { city: parsed.city, ids, adjacency, origin: parsed.origin };
  });
}

registerTrafficErrors(SensorGraphNotFoundError, SensorGraphFileError);

/**
 * The neighbours (sensor-graph.ts `neighboursOf`) of the sensors of every city in `cities` that has a graph
 * beside the lake, merged; `missing` names the cities that have none.
 */
export async function loadNeighbours(lake: LakeLike, cities: readonly string[]): Promise<{ neighbours: Map<string, { sensor: string; weight: number }[]>; missing: string[] }> {
  const neighbours = new Map<string, { sensor: string; weight: number }[]>();
  const missing: string[] = [];
  for (const city of cities) {
    try {
      for (const [id, n] of neighboursOf(await loadSensorGraph(lake, city))) neighbours.set(id, n);
    } catch (err) {
      if (!(err instanceof SensorGraphNotFoundError)) throw err;
      missing.push(city);
    }
  }
  return { neighbours, missing };
}
