/**
 * A shard from a live provider: one slice of a city's requests (TomTom: a point per road segment; HERE: area
 * tiles; Mapbox: routes through nearby segments), sent through the provider client with its keys, per-key
 * limits, quota ledger and retries. A request that fails is counted, and the rest of the shard goes on.
 */
import type { RecordBatch } from 'apache-arrow';
import {
  cachedRoadNetwork,
  hereClient,
  hereRequestsForCity,
  mapboxClient,
  mapboxRequestsForSegments,
  PROVIDER_CATALOG,
  syntheticNetwork,
  tomtomClient,
  tomtomRequestsForSegments,
  type ProviderClient,
} from '../sources/index.ts';
import { cityProfile } from '../traffic/cities.ts';
import type { RoadSegment } from '../traffic/road-network.ts';
import type { ShardJob } from './shard-task.ts';

export interface ProviderShardOptions {
  /** Provider endpoint (tests point it at a local server). */
  baseUrl?: string;
  /** JSON secrets file with the keys (mode 0600), readable on the worker; else keys come from its environment. */
  secretsFile?: string;
  /** Quota ledger file on the worker. @default ~/.convoy/quota-ledger.sqlite */
  ledgerPath?: string;
  quota?: { perDay?: number; perMonth?: number };
  /** This shard's position among the city's shards: it sends the requests that follow its predecessors'. */
  slice: number;
  slices: number;
}

export const PROVIDERS = ['tomtom', 'here', 'mapbox'] as const;

export async function collectProviderShard(job: ShardJob): Promise<{ batches: RecordBatch[]; samples: number; requests: number; costUsd: number; failed: number }> {
  const opts = job.provider;
  if (!opts) throw new TypeError(`shard ${job.shardId}: provider options are missing`);
  const profile = cityProfile(job.city);
  const segments: readonly RoadSegment[] = job.osmPath ? (await cachedRoadNetwork(job.osmPath)).segments : syntheticNetwork(profile, job.seed).segments;
  const clientOptions = { baseUrl: opts.baseUrl, secretsFile: opts.secretsFile, ledger: opts.ledgerPath, quota: opts.quota };
  let client: ProviderClient<unknown>;
  let requests: unknown[];
  switch (job.source) {
    case 'tomtom':
      client = tomtomClient(clientOptions) as ProviderClient<unknown>;
      requests = tomtomRequestsForSegments(profile, segments);
      break;
    case 'here':
      client = hereClient(clientOptions) as ProviderClient<unknown>;
      requests = hereRequestsForCity(profile);
      break;
    case 'mapbox':
      client = mapboxClient(clientOptions) as ProviderClient<unknown>;
      requests = mapboxRequestsForSegments(profile, segments);
      break;
    default:
      throw new TypeError(`unknown source "${job.source}" (expected synthetic, ${PROVIDERS.join(', ')})`);
  }
  // Enough requests for the shard's samples at the provider's typical yield, continuing through the city's
  // request list where the previous shard stopped (wrapping around for later polling rounds).
  const wanted = Math.max(1, Math.ceil(job.samples / PROVIDER_CATALOG[job.source as (typeof PROVIDERS)[number]].samplesPerRequest));
  const slice = sliceOf(requests, opts.slice * wanted, wanted);
  const result = await client.collect(slice);
  const usage = result.usage;
  if (result.stoppedBy && result.samples === 0) throw result.stoppedBy; // nothing collected: let the job see why
  return { batches: result.batches, samples: result.samples, requests: usage.requests, costUsd: usage.estimatedCostUsd, failed: result.failures.length };
}

/** `count` items starting at `start`, wrapping around the list. */
function sliceOf<T>(all: readonly T[], start: number, count: number): T[] {
  if (all.length === 0) return [];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(all[(start + i) % all.length]!);
  return out;
}
