/**
 * `convoy/tasks/collect`: the distributed collection job: shards planned from the job's parameters, run on the
 * cluster, committed to the lake. Stopped at any point, the same call again finishes it without duplicates.
 *
 * @example
 * ```ts
 * import { connect } from 'convoy';
 * import { collect } from 'convoy/tasks/collect';
 *
 * await using cluster = await connect();
 * const summary = await collect(cluster, { source: 'synthetic', cities: 'all', from: '2026-01-05', to: '2026-01-12', target: 1e7, lake: './data/lake' }, {
 *   onProgress: (p) => console.log(p.samples, p.rate, p.etaS),
 * });
 * ```
 */
export { collect, CollectError, type CollectProgress, type CollectSummary } from './collect.ts';
export { collectOptionsSchema, CollectOptionsError, parseCollectOptions, type CollectOptions } from './options.ts';
export { describeCause, ShardIncompleteError, type FailureCause, type FailureKind } from './failures.ts';
export { planShards, jobFingerprint, type PlannedShard, type ShardPlanInput } from './shards.ts';
export type { ProviderShardOptions, ShardJob, ShardOutcome } from './shard-job.ts';
