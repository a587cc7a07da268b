/** The distributed collection job: shards planned from the job's parameters, run on the cluster, committed to the lake. */
export { collect, collectOptionsSchema, parseCollectOptions, CollectError, SOURCES, type CollectOptions, type CollectProgress, type CollectSummary } from './collect.ts';
export { planShards, jobFingerprint, type PlannedShard, type ShardPlanInput } from './shards.ts';
export type { ShardJob, ShardOutcome } from './shard-task.ts';
