/** The distributed collection job: shards planned from the job's parameters, run on the cluster, committed to the lake. */
export { collect, CollectError, type CollectProgress, type CollectSummary } from './collect.ts';
export { collectOptionsSchema, CollectOptionsError, parseCollectOptions, type CollectOptions } from './options.ts';
export { describeCause, ShardIncompleteError, type FailureCause, type FailureKind } from './failures.ts';
export { planShards, jobFingerprint, type PlannedShard, type ShardPlanInput } from './shards.ts';
export type { ShardJob, ShardOutcome } from './shard-job.ts';
