/**
 * Failures of the lake. Each names the input that was wrong (the shard, the file, the column) and what to do.
 */
import { describeDamage, type FileDamage } from './integrity.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

/** Invalid lake options or partition spec, caught when the lake is opened. */
export class LakeOptionsError extends TrafficError {
  override readonly name: string = 'LakeOptionsError';
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export class PartitionSpecError extends LakeOptionsError {
  override readonly name = 'PartitionSpecError';
}

/** A shard id that cannot name files: ids become part of object keys. */
export class InvalidShardIdError extends TrafficError {
  override readonly name = 'InvalidShardIdError';
  constructor(readonly shardId: string) {
    super(
      `Invalid shard id ${JSON.stringify(shardId)}: use 1-200 characters of A-Z a-z 0-9 . _ - starting with a letter or digit (e.g. "synthetic-berlin-2026-01-01").`,
    );
  }
}

/** A batch whose schema differs from the lake's, or a lake opened with a schema other than the one it stores. */
export class LakeSchemaMismatchError extends TrafficError {
  override readonly name = 'LakeSchemaMismatchError';
  constructor(
    readonly lakeUrl: string,
    readonly differences: string[],
    context: string,
  ) {
    super(
      `${context} does not match the schema of the lake at ${lakeUrl}: ${differences.join('; ')}. ` +
        'A lake holds one schema; convert the data (see tasks/traffic/schema.ts) or write to another lake.',
    );
  }
}

/** A partition column holds nulls, which cannot form a path. */
export class NullPartitionValueError extends TrafficError {
  override readonly name = 'NullPartitionValueError';
  constructor(
    readonly column: string,
    readonly partition: string,
  ) {
    super(`Column ${JSON.stringify(column)} holds nulls, but partition ${JSON.stringify(partition)} needs a value for every row; fill or drop those rows before writing.`);
  }
}

/** Writing a shard failed before its commit; nothing of this attempt is visible and the shard can be re-run. */
export class ShardWriteError extends TrafficError {
  override readonly name = 'ShardWriteError';
  constructor(
    readonly shardId: string,
    readonly lakeUrl: string,
    options: { cause: unknown },
  ) {
    const causeMessage = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `Writing shard ${JSON.stringify(shardId)} to ${lakeUrl} failed before its commit (${causeMessage}); nothing of it is visible and it can be re-run.`,
      options,
    );
  }
}

/**
 * A shard's commit record is written but moving its files to their final names failed. Readers of this lake
 * already see the shard (they read the staged files); `lake.recover()` finishes the move for other tools.
 */
export class ShardPublishError extends TrafficError {
  override readonly name = 'ShardPublishError';
  constructor(
    readonly shardId: string,
    readonly lakeUrl: string,
    options: { cause: unknown },
  ) {
    const causeMessage = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(
      `Shard ${JSON.stringify(shardId)} is committed in ${lakeUrl} but publishing its files failed (${causeMessage}); run lake.recover() to finish.`,
      options,
    );
  }
}

/**
 * A Parquet file of the lake cannot be used: missing, not what its commit record says (size, SHA-256; see
 * {@link LakeFileIntegrityError}), undecodable, or holding another number of rows. Names the file, its
 * partition and the shard whose re-run writes it again.
 */
export class LakeFileError extends TrafficError {
  override readonly name: string = 'LakeFileError';
  /** Partition path of the file, e.g. `date=2026-01-01/city=berlin`. */
  readonly partition: string;
  constructor(
    readonly lakeUrl: string,
    readonly key: string,
    readonly shardId: string,
    readonly problem: 'corrupt' | 'missing' | 'row-count' | FileDamage['problem'],
    options: { cause?: unknown; detail?: string } = {},
  ) {
    const causeMessage = options.cause instanceof Error ? options.cause.message : options.cause === undefined ? '' : String(options.cause);
    const what =
      problem === 'missing'
        ? 'is listed in its shard commit but missing'
        : problem === 'row-count'
          ? `holds a different number of rows than its commit says (${options.detail ?? ''})`
          : problem === 'corrupt'
            ? `cannot be read as Parquet (${causeMessage || 'corrupt or truncated'})`
            : `does not match its commit record: it ${options.detail ?? problem}`;
    const partition = key.includes('/') ? key.slice(0, key.lastIndexOf('/')) : '';
    super(
      `Lake file ${key} (partition ${partition || '(none)'}, shard ${JSON.stringify(shardId)}) in ${lakeUrl} ${what}. ` +
        `Other files are unaffected; re-run shard ${JSON.stringify(shardId)} (or lake.deleteShard(${JSON.stringify(shardId)})) ` +
        `to replace it, or scan with onBadFile: 'skip'.`,
      options.cause === undefined ? undefined : { cause: options.cause },
    );
    this.partition = partition;
  }
}

/**
 * A lake file whose bytes are not those its commit record lists: another size (truncated, appended to,
 * replaced) or another SHA-256 (bytes overwritten in place: disk, copy or a stray write). Caught before
 * decoding, so damaged bytes never become wrong values.
 */
export class LakeFileIntegrityError extends LakeFileError {
  override readonly name = 'LakeFileIntegrityError';
  constructor(
    lakeUrl: string,
    key: string,
    shardId: string,
    readonly damage: FileDamage,
  ) {
    super(lakeUrl, key, shardId, damage.problem, { detail: describeDamage(damage) });
  }
}

/** A commit record or the lake descriptor cannot be parsed. */
export class LakeMetadataError extends TrafficError {
  override readonly name = 'LakeMetadataError';
  constructor(
    readonly lakeUrl: string,
    readonly key: string,
    options: { cause: unknown },
  ) {
    const causeMessage = options.cause instanceof Error ? options.cause.message : String(options.cause);
    super(`Lake metadata ${key} in ${lakeUrl} is unreadable (${causeMessage}); restore it or delete it and re-run the shard it describes.`, options);
  }
}

registerTrafficErrors(LakeOptionsError, InvalidShardIdError, LakeSchemaMismatchError, NullPartitionValueError, ShardWriteError, ShardPublishError, LakeFileError, LakeMetadataError, PartitionSpecError, LakeFileIntegrityError);
