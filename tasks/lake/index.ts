/**
 * `convoy/tasks/lake`: the traffic lake, Hive-partitioned Parquet (`date=YYYY-MM-DD/city=NAME/part-*.parquet`)
 * on a local folder or S3, with atomic per-shard commits (see lake.ts and README.md here). The Parquet codec
 * and its threads are in parquet/.
 *
 * @example
 * ```ts
 * import { openLake } from 'convoy/tasks/lake';
 *
 * const lake = await openLake('./data/lake');
 * await lake.writeShard('synthetic-berlin-2026-01-01', batches); // again: replaces, never duplicates
 * for await (const batch of lake.scan({ columns: ['timestamp', 'congestion'], filter: { city: 'berlin' } })) console.log(batch.numRows);
 * await lake.close();
 * ```
 */
export { openLake, Lake } from './lake.ts';
export type { LakeOptions } from './options.ts';
export type { ScanFilter, ScanOptions } from './reader.ts';
export type { ShardInput, ShardWriteResult, WriteShardOptions } from './writer.ts';
export type { CommittedShard, LakeStats, PartitionListing } from './describe.ts';
export { LAKE_METADATA_KEYS, type RecoverOptions, type RecoverReport } from './maintenance.ts';
export type { DamagedFile, VerifyOptions, VerifyReport } from './verify.ts';
export type { FileDamage } from './integrity.ts';
export type { LakeProgress, ProgressCallback } from './progress.ts';
export type { LakeLogger } from './context.ts';
export { defaultPartitioning, partitionPath, parsePartitionPath, type PartitionField } from './partitioning.ts';
export { takeRows } from './take.ts';
export { datasetInfoKey, readDatasetInfo, writeDatasetInfo, type DatasetInfo, type ImportedFile, type SpeedUnit } from './datasets.ts';
export {
  InvalidShardIdError,
  LakeFileError,
  LakeFileIntegrityError,
  LakeMetadataError,
  LakeOptionsError,
  LakeSchemaMismatchError,
  NullPartitionValueError,
  PartitionSpecError,
  ShardPublishError,
  ShardWriteError,
} from './errors.ts';
