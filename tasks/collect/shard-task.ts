/**
 * The collection task, run on workers: one shard from its source into the lake. The lake is opened once per
 * worker thread and encodes inline (threads: 0): the cluster already spreads shards over every CPU.
 */
import { openLake, type Lake } from '../lake/index.ts';
import { cachedRoadNetwork, generateShard } from '../sources/index.ts';
import { collectProviderShard } from './provider-shard.ts';
import type { ShardJob, ShardOutcome } from './shard-job.ts';

const lakes = new Map<string, Promise<Lake>>();

function lakeFor(url: string, s3?: Record<string, unknown>): Promise<Lake> {
  let l = lakes.get(url);
  if (!l) {
    l = openLake(url, { threads: 0, ...(s3 ? { s3: s3 as never } : {}) });
    lakes.set(url, l);
    l.catch(() => lakes.delete(url));
  }
  return l;
}

export async function collectShard(job: ShardJob): Promise<ShardOutcome> {
  const started = performance.now();
  const lake = await lakeFor(job.lakeUrl, job.s3);
  if (job.source === 'synthetic') {
    const segments = job.osmPath ? await cachedRoadNetwork(job.osmPath) : undefined;
    const batches = generateShard({ seed: job.seed, city: job.city, from: job.fromMs, to: job.toMs, samples: job.samples, segments });
    const r = await lake.writeShard(job.shardId, batches, { expectedRows: job.samples });
    return { shardId: job.shardId, rows: r.rows, bytes: r.bytes, files: r.files, replaced: r.replaced, apiRequests: 0, costUsd: 0, failedRequests: 0, failureCauses: [], ms: performance.now() - started };
  }
  const got = await collectProviderShard(job);
  const r = await lake.writeShard(job.shardId, got.batches, { expectedRows: got.samples });
  return {
    shardId: job.shardId,
    rows: r.rows,
    bytes: r.bytes,
    files: r.files,
    replaced: r.replaced,
    apiRequests: got.requests,
    costUsd: got.costUsd,
    failedRequests: got.failed,
    failureCauses: got.causes,
    ms: performance.now() - started,
  };
}
