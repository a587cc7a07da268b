/**
 * The collection job: plans shards (shards.ts), skips those the lake already committed, runs the rest as
 * cluster tasks (shard-task.ts) and reports progress (samples, rate, ETA, API requests and cost) to the
 * caller and the dashboard. Stopping it at any point and running the same command again finishes the job
 * without duplicates: shard ids are stable, each shard commits atomically, and a shard that did not get all
 * its samples commits nothing.
 */
import path from 'node:path';
import type { Cluster, ObjectRef } from '../../cluster/client/index.ts';
import { openLake } from '../lake/index.ts';
import { describeCause, mergeCauses, shardIncomplete, type FailureCause } from './failures.ts';
import { readJobRuns, totalElapsedS, writeJobRuns, type JobRun } from './job-record.ts';
import { parseCollectOptions, type CollectOptions } from './options.ts';
import { jobFingerprint, planShards, type PlannedShard } from './shards.ts';
import type { ProviderShardOptions, ShardJob, ShardOutcome } from './shard-job.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

export { collectOptionsSchema, CollectOptionsError, parseCollectOptions, type CollectOptions } from './options.ts';

// The extension of this file: .ts from the sources, .js in the compiled package.
const SHARD_TASK = new URL(`./shard-task${path.extname(import.meta.url)}`, import.meta.url);
/** How often a running job rewrites its run time beside the lake (see job-record.ts). */
const RECORD_EVERY_MS = 5_000;

export interface CollectProgress {
  samples: number;
  target: number;
  shardsDone: number;
  shardsTotal: number;
  /** Shards found already committed when the job started. */
  skipped: number;
  /** Samples per second since this run started (what the ETA is based on). */
  rate: number;
  etaS: number | null;
  apiRequests: number;
  costUsd: number;
  failedRequests: number;
}

export interface CollectSummary extends CollectProgress {
  lake: string;
  jobId: string;
  /**
   * The job's samples per second: every sample it holds over the wall time of all its runs (0 when no run's
   * time is recorded). A rerun that only finishes a few shards does not report those shards' rate as the job's.
   */
  rate: number;
  /** This run's wall time, seconds. */
  elapsedS: number;
  /** Wall time of all the job's runs that collected something, seconds. */
  jobElapsedS: number;
  /** This run alone: the samples it committed, its wall time and rate. */
  run: { samples: number; elapsedS: number; rate: number };
  /** Shards that ran and failed; `incomplete` ones got too few samples (their causes are in `failureCauses`). */
  failedShards: { shardId: string; error: string; incomplete: boolean }[];
  /** Why the failed shards' requests failed, added up over the shards. */
  failureCauses: FailureCause[];
  /** Requests of committed shards that failed but were made up for by further requests, added up. */
  recoveredFailures: FailureCause[];
  /** Shards not started because a cause retrying cannot fix stopped the job (see `stoppedBy`). */
  shardsNotRun: number;
  /** The cause that stopped the job early, as one line. */
  stoppedBy?: string;
}

export class CollectError extends TrafficError {
  override readonly name = 'CollectError';
  /** One line per cause, then one that says what was kept and how to finish. */
  readonly lines: string[];
  constructor(readonly summary: CollectSummary) {
    const lines = failureLines(summary);
    super(lines.join('\n'));
    this.lines = lines;
  }
}

function failureLines(s: CollectSummary): string[] {
  const lost = s.shardsTotal - s.shardsDone;
  const lines = s.failureCauses.map(describeCause);
  const crashed = s.failedShards.filter((f) => !f.incomplete);
  if (crashed.length) lines.push(`${crashed.length} shard(s) failed (first: ${crashed[0]!.shardId}: ${crashed[0]!.error})`);
  if (lines.length === 0) lines.push(`${lost} shard(s) were not collected`);
  const finish = s.stoppedBy ? 'fix the cause above, then run the same command again to finish' : 'run the same command again to finish';
  lines.push(
    `collected ${s.samples.toLocaleString('en-US')} of ${s.target.toLocaleString('en-US')} samples (${s.shardsDone} of ${s.shardsTotal} shards); ` +
      `the ${lost} shard(s) not collected committed nothing: ${finish} (it skips what is there)`,
  );
  return lines;
}

export async function collect(
  cluster: Cluster,
  given: CollectOptions,
  hooks: { onProgress?: (p: CollectProgress) => void; signal?: AbortSignal } = {},
): Promise<CollectSummary> {
  const o = parseCollectOptions(given);
  const plan = planShards({ source: o.source, cities: o.cities, fromMs: o.from, toMs: o.to, target: o.target, seed: o.seed, shardSamples: o.shardSamples });
  const jobId = `collect-${jobFingerprint({ source: o.source, cities: o.cities, fromMs: o.from, toMs: o.to, target: o.target, seed: o.seed, shardSamples: o.shardSamples })}`;

  // What an earlier run of this job already committed is skipped; how long those runs took is kept beside it.
  const lake = await openLake(o.lake, { threads: 0, ...(o.s3 ? { s3: o.s3 as never } : {}) });
  try {
    const committed = new Map((await lake.committedShards()).filter((s) => s.published).map((s) => [s.shardId, s.rows]));
    const earlierRuns = await readJobRuns(lake.storage, jobId);
    return await runJob(cluster, o, plan, jobId, committed, hooks, {
      earlierRuns,
      save: (runs) => writeJobRuns(lake.storage, jobId, runs),
    });
  } finally {
    await lake.close();
  }
}

async function runJob(
  cluster: Cluster,
  o: ReturnType<typeof parseCollectOptions>,
  plan: PlannedShard[],
  jobId: string,
  committed: Map<string, number>,
  hooks: { onProgress?: (p: CollectProgress) => void; signal?: AbortSignal },
  record: { earlierRuns: JobRun[]; save: (runs: JobRun[]) => Promise<void> },
): Promise<CollectSummary> {
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
  // Samples per city for the dashboard's collection page, what earlier runs committed included.
  const byCity = new Map<string, number>();
  for (const s of plan) byCity.set(s.city, (byCity.get(s.city) ?? 0) + (committed.get(s.shardId) ?? 0));
  const started = performance.now();
  const startSamples = p.samples;
  const thisRun: JobRun = { startedAt: new Date().toISOString(), elapsedS: 0, samples: 0 };
  // Writes of the run record, one at a time; a failed write only costs the rate's accuracy.
  let recordWrites = Promise.resolve();
  let lastRecord = 0;
  const saveRecord = (elapsedS = (performance.now() - started) / 1000) => {
    thisRun.elapsedS = elapsedS;
    thisRun.samples = p.samples - startSamples;
    const runs = [...record.earlierRuns, { ...thisRun }];
    recordWrites = recordWrites.then(() => record.save(runs)).catch(() => undefined);
    return recordWrites;
  };
  let lastReport = 0;
  const report = (force = false) => {
    const now = performance.now();
    if (todo.length > 0 && now - lastRecord >= RECORD_EVERY_MS) {
      lastRecord = now;
      void saveRecord();
    }
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
      extra: {
        shards: `${p.shardsDone}/${p.shardsTotal}`,
        ...(o.source === 'synthetic'
          ? {}
          : {
              provider: o.source,
              apiRequests: p.apiRequests,
              failedRequests: p.failedRequests,
              costUsd: Number(p.costUsd.toFixed(4)),
              ...(o.provider?.quota?.perDay ? { quotaPerDay: o.provider.quota.perDay } : {}),
              ...(o.provider?.quota?.perMonth ? { quotaPerMonth: o.provider.quota.perMonth } : {}),
            }),
        // One figure per city: the cities are the built-in ones (options.ts checks), so at most CITY_KEYS of them.
        ...Object.fromEntries([...byCity].map(([city, n]) => [`samples.${city}`, n])),
      },
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
  const indexInCity = new Map<string, number>();
  for (const s of plan) {
    indexInCity.set(s.shardId, slicesPerCity.get(s.city) ?? 0);
    slicesPerCity.set(s.city, (slicesPerCity.get(s.city) ?? 0) + 1);
  }
  const jobOf = (s: PlannedShard): ShardJob => ({
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
    provider: isProvider
      ? ({ ...(o.provider ?? {}), slice: indexInCity.get(s.shardId)!, slices: slicesPerCity.get(s.city)! } satisfies ProviderShardOptions)
      : undefined,
  });

  const failedShards: CollectSummary['failedShards'] = [];
  const causes: FailureCause[] = [];
  const recovered: FailureCause[] = [];
  const running = new Map<string, ObjectRef>();
  let stoppedBy: string | undefined;
  let shardsNotRun = 0;
  const settle = (s: PlannedShard, r: ShardOutcome | Error) => {
    if (r instanceof Error) {
      const incomplete = shardIncomplete(r);
      if (!incomplete && stoppedBy && isCancelled(r)) {
        shardsNotRun++;
      } else if (incomplete) {
        failedShards.push({ shardId: s.shardId, error: incomplete.message, incomplete: true });
        causes.push(...incomplete.causes);
        p.apiRequests += incomplete.requests;
        p.costUsd += incomplete.costUsd;
        p.failedRequests += incomplete.failedRequests;
        const fatal = incomplete.causes.find((c) => c.fatal);
        if (fatal && !stoppedBy) {
          // Every other shard would get the same answer: stop sending instead of spending the quota on it.
          stoppedBy = describeCause(fatal);
          for (const ref of running.values()) cluster.cancel(ref);
        }
      } else {
        failedShards.push({ shardId: s.shardId, error: r.message, incomplete: false });
      }
    } else {
      p.samples += r.rows;
      byCity.set(s.city, (byCity.get(s.city) ?? 0) + r.rows);
      p.shardsDone++;
      p.apiRequests += r.apiRequests;
      p.costUsd += r.costUsd;
      p.failedRequests += r.failedRequests;
      recovered.push(...(r.failureCauses ?? []));
    }
    report();
  };
  const run = async (s: PlannedShard) => {
    if (hooks.signal?.aborted || stoppedBy) {
      if (stoppedBy) shardsNotRun++;
      return;
    }
    const ref = task.remote(jobOf(s));
    running.set(s.shardId, ref);
    try {
      settle(s, await cluster.get(ref));
    } catch (e) {
      settle(s, e instanceof Error ? e : new Error(String(e)));
    } finally {
      running.delete(s.shardId);
    }
  };
  if (keyed || !isProvider) {
    await Promise.all(todo.map(run));
  } else {
    for (const s of todo) await run(s);
  }
  report(true);
  const elapsedS = (performance.now() - started) / 1000;
  const runSamples = p.samples - startSamples;
  if (todo.length > 0) await saveRecord(elapsedS);
  const jobElapsedS = totalElapsedS(record.earlierRuns) + (todo.length > 0 ? elapsedS : 0);
  const summary: CollectSummary = {
    ...p,
    rate: jobElapsedS > 0 ? p.samples / jobElapsedS : 0,
    lake: o.lake,
    jobId,
    elapsedS,
    jobElapsedS,
    run: { samples: runSamples, elapsedS, rate: elapsedS > 0 ? runSamples / elapsedS : 0 },
    failedShards,
    failureCauses: mergeCauses(causes),
    recoveredFailures: mergeCauses(recovered),
    shardsNotRun,
    ...(stoppedBy ? { stoppedBy } : {}),
  };
  if (failedShards.length || shardsNotRun) throw new CollectError(summary);
  return summary;
}

function isCancelled(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 8; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as Error).name === 'TaskCancelledError') return true;
  }
  return false;
}

registerTrafficErrors(CollectError);
