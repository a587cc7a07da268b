/**
 * The collection job: plans shards (shards.ts), skips those the lake already committed, runs the rest as
 * cluster tasks (shard-task.ts) and reports progress (samples, rate, ETA, API requests and cost) to the
 * caller and the dashboard. Stopping it at any point and running the same command again finishes the job
 * without duplicates: shard ids are stable and each shard commits atomically.
 */
import path from 'node:path';
import { z } from 'zod';
import type { Cluster } from '../../cluster/client/index.ts';
import { openLake } from '../lake/index.ts';
import { CITY_KEYS, cityProfile } from '../traffic/cities.ts';
import { PROVIDERS, type ProviderShardOptions } from './provider-shard.ts';
import { jobFingerprint, planShards, type PlannedShard } from './shards.ts';
import type { ShardJob, ShardOutcome } from './shard-task.ts';

// The extension of this file: .ts from the sources, .js in the compiled package.
const SHARD_TASK = new URL(`./shard-task${path.extname(import.meta.url)}`, import.meta.url);
export const SOURCES = ['synthetic', ...PROVIDERS] as const;

const instant = z.union([z.number(), z.string().min(1)]).transform((v, ctx) => {
  const ms = typeof v === 'number' ? v : Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(v) ? `${v}T00:00:00Z` : v);
  if (!Number.isFinite(ms)) {
    ctx.addIssue({ code: 'custom', message: `"${v}" is not a date (use YYYY-MM-DD or ISO 8601)` });
    return z.NEVER;
  }
  return ms;
});

export const collectOptionsSchema = z
  .object({
    /** Where samples come from. */
    source: z.enum(SOURCES),
    /** City keys (see tasks/traffic/cities.ts), or 'all' for the 20 built-in cities. */
    cities: z.union([z.literal('all'), z.array(z.string().min(1)).min(1)]),
    /** First day, inclusive (YYYY-MM-DD, UTC). */
    from: instant,
    /** Last instant, exclusive (YYYY-MM-DD means that day's midnight, UTC). */
    to: instant,
    /** Samples to collect in all. */
    target: z.number().int().positive(),
    /** Lake location: a folder or s3://bucket/prefix. */
    lake: z.string().min(1),
    /** @default 1 */
    seed: z.number().int().default(1),
    /** Samples per shard (synthetic), or requests per shard (providers). @default 500000 / 100 */
    shardSamples: z.number().int().positive().optional(),
    /** OSM extract per city, e.g. `{ helsinki: 'helsinki.osm.pbf' }` (a path the workers can read). */
    osm: z.record(z.string(), z.string()).optional(),
    /** Provider settings (base URL, secrets file, quota) for tomtom/here/mapbox. */
    provider: z.object({ baseUrl: z.string().optional(), secretsFile: z.string().optional(), ledgerPath: z.string().optional(), quota: z.object({ perDay: z.number().int().positive().optional(), perMonth: z.number().int().positive().optional() }).optional() }).optional(),
    /** Retries of a shard whose worker died. @default 3 */
    maxRetries: z.number().int().min(0).default(3),
    /** S3 settings for s3:// lakes (endpoint, region, credentials). */
    s3: z.record(z.string(), z.unknown()).optional(),
  })
  .refine((o) => o.to > o.from, { message: '`to` must be after `from`', path: ['to'] });

export type CollectOptions = z.input<typeof collectOptionsSchema>;

export interface CollectProgress {
  samples: number;
  target: number;
  shardsDone: number;
  shardsTotal: number;
  /** Shards found already committed when the job started. */
  skipped: number;
  /** Samples per second since this run started. */
  rate: number;
  etaS: number | null;
  apiRequests: number;
  costUsd: number;
  failedRequests: number;
}

export interface CollectSummary extends CollectProgress {
  lake: string;
  jobId: string;
  elapsedS: number;
  failedShards: { shardId: string; error: string }[];
}

export class CollectError extends Error {
  override readonly name = 'CollectError';
  constructor(readonly summary: CollectSummary) {
    super(
      `${summary.failedShards.length} of ${summary.shardsTotal} shard(s) failed (first: ${summary.failedShards[0]?.shardId}: ${summary.failedShards[0]?.error}). ` +
        `The ${summary.shardsDone} committed shard(s) are kept; run the same command again to finish.`,
    );
  }
}

export function parseCollectOptions(given: CollectOptions) {
  const r = collectOptionsSchema.safeParse(given);
  if (!r.success) throw new TypeError(`invalid collect options: ${r.error.issues.map((i) => `${i.path.join('.') || 'options'}: ${i.message}`).join('; ')}`);
  const o = r.data;
  const cities = o.cities === 'all' ? [...CITY_KEYS] : o.cities;
  for (const c of cities) cityProfile(c); // throws UnknownCityError naming the known cities
  for (const c of Object.keys(o.osm ?? {})) if (!cities.includes(c)) throw new TypeError(`--osm names ${c}, which is not among the cities collected`);
  return { ...o, cities, shardSamples: o.shardSamples ?? (o.source === 'synthetic' ? 500_000 : 100) };
}

export async function collect(
  cluster: Cluster,
  given: CollectOptions,
  hooks: { onProgress?: (p: CollectProgress) => void; signal?: AbortSignal } = {},
): Promise<CollectSummary> {
  const o = parseCollectOptions(given);
  const plan = planShards({ source: o.source, cities: o.cities, fromMs: o.from, toMs: o.to, target: o.target, seed: o.seed, shardSamples: o.shardSamples });
  const jobId = `collect-${jobFingerprint({ source: o.source, cities: o.cities, fromMs: o.from, toMs: o.to, target: o.target, seed: o.seed, shardSamples: o.shardSamples })}`;

  // What an earlier run of this job already committed is skipped.
  const lake = await openLake(o.lake, { threads: 0, ...(o.s3 ? { s3: o.s3 as never } : {}) });
  let committed: Map<string, number>;
  try {
    committed = new Map((await lake.committedShards()).filter((s) => s.published).map((s) => [s.shardId, s.rows]));
  } finally {
    await lake.close();
  }
  const todo = plan.filter((s) => !committed.has(s.shardId));
  const p: CollectProgress = {
    samples: plan.reduce((n, s) => n + (committed.get(s.shardId) ?? 0), 0),
    target: o.target,
    shardsDone: plan.length - todo.length,
    shardsTotal: plan.length,
    skipped: plan.length - todo.length,
    rate: 0,
    etaS: null,
    apiRequests: 0,
    costUsd: 0,
    failedRequests: 0,
  };
  const started = performance.now();
  const startSamples = p.samples;
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (!force && now - lastReport < 250) return;
    lastReport = now;
    const secs = (now - started) / 1000;
    p.rate = secs > 0 ? (p.samples - startSamples) / secs : 0;
    p.etaS = p.rate > 0 ? Math.max(0, (p.target - p.samples) / p.rate) : null;
    hooks.onProgress?.({ ...p });
    cluster.reportProgress({
      id: jobId,
      label: `collect ${o.source} → ${o.lake}`,
      done: p.samples,
      total: p.target,
      rate: p.rate,
      etaS: p.etaS,
      extra: { shards: `${p.shardsDone}/${p.shardsTotal}`, ...(o.source === 'synthetic' ? {} : { apiRequests: p.apiRequests, costUsd: Number(p.costUsd.toFixed(4)) }) },
    });
  };
  report(true);

  const isProvider = o.source !== 'synthetic';
  // Provider shards share the keys' rate limits and quotas: they run one at a time unless the cluster offers
  // a `<source>_key` resource (one unit per key, on the nodes allowed to use it).
  const status = isProvider ? await cluster.status() : undefined;
  const keyResource = `${o.source}_key`;
  const keyed = status?.nodes.some((n) => (n.total[keyResource] ?? 0) > 0) ?? false;
  const task = cluster.task<(job: ShardJob) => ShardOutcome>(SHARD_TASK, 'collectShard', {
    maxRetries: o.maxRetries,
    name: `collect ${o.source}`,
    ...(keyed ? { custom: { [keyResource]: 1 } } : {}),
  });
  const slicesPerCity = new Map<string, number>();
  for (const s of plan) slicesPerCity.set(s.city, (slicesPerCity.get(s.city) ?? 0) + 1);
  const jobOf = (s: PlannedShard, index: number): ShardJob => ({
    shardId: s.shardId,
    lakeUrl: o.lake,
    source: o.source,
    city: s.city,
    fromMs: s.fromMs,
    toMs: s.toMs,
    samples: s.samples,
    seed: o.seed,
    osmPath: o.osm?.[s.city],
    s3: o.s3,
    provider: isProvider ? ({ ...(o.provider ?? {}), slice: index, slices: slicesPerCity.get(s.city)! } satisfies ProviderShardOptions) : undefined,
  });
  const indexInCity = new Map<string, number>();
  const seen = new Map<string, number>();
  for (const s of plan) {
    const i = seen.get(s.city) ?? 0;
    seen.set(s.city, i + 1);
    indexInCity.set(s.shardId, i);
  }

  const failedShards: { shardId: string; error: string }[] = [];
  const settle = (s: PlannedShard, r: ShardOutcome | Error) => {
    if (r instanceof Error) failedShards.push({ shardId: s.shardId, error: r.message });
    else {
      p.samples += r.rows;
      p.shardsDone++;
      p.apiRequests += r.apiRequests;
      p.costUsd += r.costUsd;
      p.failedRequests += r.failedRequests;
    }
    report();
  };
  const run = (s: PlannedShard) =>
    cluster.get(task.remote(jobOf(s, indexInCity.get(s.shardId)!))).then(
      (r) => settle(s, r),
      (e: unknown) => settle(s, e instanceof Error ? e : new Error(String(e))),
    );
  if (keyed || !isProvider) {
    await Promise.all(todo.map((s) => (hooks.signal?.aborted ? undefined : run(s))));
  } else {
    for (const s of todo) {
      if (hooks.signal?.aborted) break;
      await run(s);
    }
  }
  report(true);
  const summary: CollectSummary = { ...p, lake: o.lake, jobId, elapsedS: (performance.now() - started) / 1000, failedShards };
  if (failedShards.length) throw new CollectError(summary);
  return summary;
}
