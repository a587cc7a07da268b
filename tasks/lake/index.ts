/** The traffic lake: Hive-partitioned Parquet (local or S3) with atomic per-shard commits. See lake.ts. */
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
