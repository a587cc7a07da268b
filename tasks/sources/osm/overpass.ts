/**
 * Road networks from the live Overpass API, for cities with no extract on disk.
 *
 * One POST per bounding box: every `highway` way in it and the nodes they use, as JSON. The answer goes
 * through the same builder as the file readers, so segments and stats mean the same thing. Overpass
 * answers 429 when a client sends too much and 504 when it is busy; both are retried with backoff.
 */
import { z } from 'zod';
import type { RoadNetwork } from '../../traffic/road-network.ts';
import { DEFAULT_HTTP_BACKOFF } from '../http/backoff.ts';
import { fetchJson } from '../http/fetch-json.ts';
import { parseBody } from '../providers/validate.ts';
import { OverpassQueryError } from './errors.ts';
import { type NetworkBuildOptions, RoadNetworkBuilder } from './network-builder.ts';

export interface BoundingBox {
  south: number;
  west: number;
  north: number;
  east: number;
}

export interface OverpassOptions extends NetworkBuildOptions {
  /** Interpreter endpoint. @default 'https://overpass-api.de/api/interpreter' */
  baseUrl?: string;
  /** Server-side query timeout, seconds (Overpass `[timeout:]`). @default 60 */
  queryTimeoutS?: number;
  /** Client-side timeout per attempt, ms. @default queryTimeoutS × 1000 + 15000 */
  timeoutMs?: number;
  /** @default 4 */
  retries?: number;
  /** First backoff step, ms. @default 500 */
  backoffBaseMs?: number;
}

export const DEFAULT_OVERPASS_URL = 'https://overpass-api.de/api/interpreter';

const elementSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('node'), id: z.number().int(), lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }),
  z.object({ type: z.literal('way'), id: z.number().int(), nodes: z.array(z.number().int()), tags: z.record(z.string(), z.string()).optional() }),
  z.object({ type: z.literal('relation'), id: z.number().int() }),
]);
const responseSchema = z.object({ elements: z.array(elementSchema), remark: z.string().optional() });

export function overpassQuery(b: BoundingBox, queryTimeoutS = 60): string {
  if (!(b.north > b.south && b.east > b.west)) {
    throw new RangeError(`bounding box must have north > south and east > west, got ${JSON.stringify(b)}`);
  }
  return `[out:json][timeout:${queryTimeoutS}];way["highway"](${b.south},${b.west},${b.north},${b.east});(._;>;);out body;`;
}

export async function fetchRoadNetworkFromOverpass(bbox: BoundingBox, options: OverpassOptions = {}): Promise<RoadNetwork> {
  const baseUrl = options.baseUrl ?? DEFAULT_OVERPASS_URL;
  const queryTimeoutS = options.queryTimeoutS ?? 60;
  const query = overpassQuery(bbox, queryTimeoutS);
  const body = await fetchJson(baseUrl, {
    provider: 'overpass',
    timeoutMs: options.timeoutMs ?? queryTimeoutS * 1000 + 15_000,
    backoff: { ...DEFAULT_HTTP_BACKOFF, retries: options.retries ?? DEFAULT_HTTP_BACKOFF.retries, baseMs: options.backoffBaseMs ?? DEFAULT_HTTP_BACKOFF.baseMs },
    init: {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'user-agent': 'convoy-traffic/0.1' },
      body: new URLSearchParams({ data: query }).toString(),
    },
  });
  const data = parseBody(responseSchema, body, 'overpass', baseUrl);
  // Overpass reports a query that ran out of time or memory in `remark` with a 200 and partial data.
  if (data.remark && /error|timed out|out of memory/i.test(data.remark)) {
    throw new OverpassQueryError(JSON.stringify(bbox), data.remark);
  }
  const builder = new RoadNetworkBuilder(options);
  for (const e of data.elements) if (e.type === 'node') builder.addNode(e.id, e.lat, e.lon);
  for (const e of data.elements) if (e.type === 'way') builder.addWay(e.id, e.nodes, e.tags ?? {});
  return builder.build(`overpass:${bbox.south},${bbox.west},${bbox.north},${bbox.east}`);
}
