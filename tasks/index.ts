/**
 * `convoy/tasks`: the traffic workloads on top of the cluster: the sample schema, sources (synthetic, OSM,
 * TomTom, HERE, Mapbox, historical import), the Parquet lake on local folders or S3, collection planning and the
 * distributed collection job, training (models, trainer, validation, registry, predictor, tune trainable) and
 * the whole pipeline.
 */
export * from './traffic/index.ts';
export * from './sources/index.ts';
export * from './plan/index.ts';
export * from '../cluster/storage/index.ts';
export * from './lake/index.ts';
export {
  collect,
  collectOptionsSchema,
  parseCollectOptions,
  CollectError,
  CollectOptionsError,
  ShardIncompleteError,
  describeCause,
  planShards,
  jobFingerprint,
  type CollectOptions,
  type CollectProgress as CollectJobProgress,
  type CollectSummary,
  type FailureCause,
  type PlannedShard,
  type ShardPlanInput,
  type ShardJob,
  type ShardOutcome,
} from './collect/index.ts';
export * from './training/index.ts';
export { TrafficTrainable, TRAFFIC_TRAINABLE, type TrafficTrialConfig } from './training/trainable.ts';
export { trafficTrialConfigSchema } from './training/trial-config.ts';
export { saveArtifacts, loadArtifacts } from './training/artifacts/artifacts-file.ts';
export { runEndToEnd, type EndToEndOptions, type EndToEndReport } from './end-to-end/run-end-to-end.ts';
