/**
 * A shard from a live provider: one slice of a city's requests (TomTom: a point per road segment; HERE: area
 * tiles; Mapbox: routes through nearby segments), sent through the provider client with its keys, per-key
 * limits, quota ledger and retries.
 *
 * The shard needs exactly its planned samples. It sends the requests its samples call for at the provider's
 * typical yield, then, when some failed or yielded less, the next ones from the city's list (at most as many
 * again), and keeps the first `samples` rows. A cause retrying cannot fix (no key, a key refused, the quota
 * spent) stops it at once. A shard short of its samples throws `ShardIncompleteError` with the causes and
 * commits nothing, so the job does not count it done and running the command again collects it.
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
import { PROVIDER_NAMES, type ProviderSourceName } from '../traffic/source-names.ts';
import { classifyFailure, mergeCauses, ShardIncompleteError, type FailureCause } from './failures.ts';
import type { ShardJob } from './shard-job.ts';

export interface ProviderShardResult {
  batches: RecordBatch[];
  samples: number;
  requests: number;
  costUsd: number;
  /** Requests that failed but were made up for by later ones. */
  failed: number;
  causes: FailureCause[];
}

export async function collectProviderShard(job: ShardJob): Promise<ProviderShardResult> {
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
      throw new TypeError(`unknown source "${job.source}" (expected synthetic, ${PROVIDER_NAMES.join(', ')})`);
  }
  try {
    return await collectSamples(job, client, requests);
  } finally {
    client.close();
  }
}

async function collectSamples(job: ShardJob, client: ProviderClient<unknown>, requests: unknown[]): Promise<ProviderShardResult> {
  const perRequest = PROVIDER_CATALOG[job.source as ProviderSourceName].samplesPerRequest;
  // Enough requests for the shard's samples at the provider's typical yield, continuing through the city's
  // request list where the previous shard stopped (wrapping around for later polling rounds).
  const wanted = Math.max(1, Math.ceil(job.samples / perRequest));
  const budget = 2 * wanted;
  let cursor = job.provider!.slice * wanted;
  let sent = 0;
  let samples = 0;
  const batches: RecordBatch[] = [];
  const causes: FailureCause[] = [];
  let usage = client.usage();
  while (samples < job.samples && sent < budget && !causes.some((c) => c.fatal)) {
    const n = Math.min(budget - sent, Math.max(1, Math.ceil((job.samples - samples) / perRequest)));
    const result = await client.collect(sliceOf(requests, cursor, n));
    cursor += n;
    sent += n;
    batches.push(...result.batches);
    samples += result.samples;
    causes.push(...result.failures.map((f) => classifyFailure(job.source, f.error)));
    if (result.stoppedBy) causes.push(classifyFailure(job.source, result.stoppedBy));
    usage = result.usage;
  }
  const merged = mergeCauses(causes);
  if (samples < job.samples) {
    throw new ShardIncompleteError(job.shardId, job.samples, samples, merged, usage.requests, usage.failed, usage.estimatedCostUsd);
  }
  return { batches: firstRows(batches, job.samples), samples: job.samples, requests: usage.requests, costUsd: usage.estimatedCostUsd, failed: usage.failed, causes: merged };
}

/** The first `n` rows of `batches`. */
function firstRows(batches: readonly RecordBatch[], n: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  let left = n;
  for (const b of batches) {
    if (left <= 0) break;
    out.push(b.numRows <= left ? b : b.slice(0, left));
    left -= Math.min(left, b.numRows);
  }
  return out;
}

/** `count` items starting at `start`, wrapping around the list. */
function sliceOf<T>(all: readonly T[], start: number, count: number): T[] {
  if (all.length === 0) return [];
  const out: T[] = [];
  for (let i = 0; i < count; i++) out.push(all[(start + i) % all.length]!);
  return out;
}
