/**
 * The traffic lake: Hive-partitioned Parquet on a local folder or S3, written shard by shard with atomic,
 * idempotent commits, read as a stream of Arrow record batches with partition pruning.
 *
 * ```ts
 * const lake = await openLake('s3://traffic/lake', { s3: { region: 'eu-west-1' } });
 * await lake.writeShard('synthetic-berlin-2026-01-01', batches);   // again: replaces, never duplicates
 * for await (const batch of lake.scan({ columns: ['timestamp', 'congestion'], filter: { city: 'berlin', dateFrom: '2026-01-01' } })) {
 *   train(batch);
 * }
 * await lake.close();
 * ```
 * The files are plain Parquet that other tools read as they are, e.g. DuckDB:
 * `SELECT city, count(*) FROM read_parquet('lake/**\/*.parquet', hive_partitioning = true) GROUP BY city`.
 */
import type { RecordBatch, Schema } from 'apache-arrow';
import { openStorage, type ObjectStorage } from '../../cluster/storage/index.ts';
import { sampleSchema } from '../traffic/schema.ts';
import { createCodec } from './parquet/codec.ts';
import type { LakeContext } from './context.ts';
import { fileSchemaOf } from './context.ts';
import { readDescriptor, schemaDifferences, writeDescriptor } from './descriptor.ts';
import { committedShards, lakeStats, listPartitions, type CommittedShard, type LakeStats, type PartitionListing } from './describe.ts';
import { LakeOptionsError, LakeSchemaMismatchError } from './errors.ts';
import { deleteShard, recoverLake, type RecoverOptions, type RecoverReport } from './maintenance.ts';
import { compileSettings, parseLakeOptions, type LakeOptions } from './options.ts';
import { defaultPartitioning, pathOnlyColumns, validatePartitioning, type PartitionField } from './partitioning.ts';
import { scanLake, type ScanFilter, type ScanOptions } from './reader.ts';
import { verifyLake, type VerifyOptions, type VerifyReport } from './verify.ts';
import { writeShard, type ShardInput, type ShardWriteResult, type WriteShardOptions } from './writer.ts';

export async function openLake(target: string | ObjectStorage, options: LakeOptions = {}): Promise<Lake> {
  const parsed = parseLakeOptions(options);
  const storage = openStorage(target, { s3: parsed.s3 });
  try {
    const stored = await readDescriptor(storage);
    const schema = parsed.schema ?? stored?.schema ?? sampleSchema;
    const partitioning: PartitionField[] = parsed.partitioning ?? stored?.partitioning ?? defaultPartitioning.map((f) => ({ ...f }));
    if (stored) {
      const differences = schemaDifferences(stored.schema, schema);
      if (differences.length > 0) throw new LakeSchemaMismatchError(storage.url, differences, 'The schema given to openLake');
      if (JSON.stringify(stored.partitioning) !== JSON.stringify(partitioning)) {
        throw new LakeOptionsError(
          `The lake at ${storage.url} is partitioned by ${describe(stored.partitioning)}, not ${describe(partitioning)}; omit \`partitioning\` or use another lake.`,
        );
      }
    }
    validatePartitioning(schema, partitioning);
    const pathOnly = pathOnlyColumns(partitioning);
    const { fileSchema, fileColumnIndex } = fileSchemaOf(schema, pathOnly);
    const { settings, encodeSettings, threads } = compileSettings(parsed, schema, partitioning, fileSchema);
    let descriptorWritten: Promise<void> | undefined = stored ? Promise.resolve() : undefined;
    const context: LakeContext = {
      storage,
      schema,
      partitioning,
      pathOnly,
      fileSchema,
      fileColumnIndex,
      settings,
      encodeSettings,
      codec: createCodec(threads),
      logger: parsed.logger,
      ensureDescriptor: () => (descriptorWritten ??= writeDescriptor(storage, { schema, partitioning })),
    };
    return new Lake(context, typeof target === 'string');
  } catch (error) {
    if (typeof target === 'string') await storage.close?.();
    throw error;
  }
}

function describe(fields: readonly PartitionField[]): string {
  return fields.map((f) => `${f.name}=${f.transform}(${f.column})`).join('/');
}

export class Lake {
  readonly #context: LakeContext;
  readonly #ownsStorage: boolean;
  #closing: Promise<void> | undefined;

  /** @internal use {@link openLake} */
  constructor(context: LakeContext, ownsStorage: boolean) {
    this.#context = context;
    this.#ownsStorage = ownsStorage;
  }

  get url(): string {
    return this.#context.storage.url;
  }
  get schema(): Schema {
    return this.#context.schema;
  }
  get partitioning(): readonly PartitionField[] {
    return this.#context.partitioning;
  }
  get storage(): ObjectStorage {
    return this.#context.storage;
  }

  /**
   * Writes all rows of `input` as shard `shardId` and commits them atomically. Writing a shard again (a retried
   * or duplicated task) replaces its earlier rows; nothing of a failed attempt becomes visible.
   */
  writeShard(shardId: string, input: ShardInput, options?: WriteShardOptions): Promise<ShardWriteResult> {
    this.#assertOpen();
    return writeShard(this.#context, shardId, input, options);
  }

  /** Streams committed rows as record batches in the lake schema (or the chosen columns), pruned by `filter`. */
  scan(options?: ScanOptions): AsyncGenerator<RecordBatch> {
    this.#assertOpen();
    return scanLake(this.#context, options);
  }

  /**
   * Starts the codec threads and waits until they are ready. Optional: the first write or scan starts them
   * anyway, paying their start-up (a fraction of a second to a few seconds on a busy machine) inside it.
   */
  async ready(): Promise<void> {
    this.#assertOpen();
    await this.#context.codec.warmUp();
  }

  /** The first `n` rows (in scan order) as plain objects, for a quick look. */
  async head(n = 10, options: Pick<ScanOptions, 'columns' | 'filter'> = {}): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = [];
    if (n <= 0) return rows;
    for await (const batch of this.scan({ ...options, batchSize: Math.min(65_536, Math.max(1, n)) })) {
      for (let i = 0; i < batch.numRows && rows.length < n; i++) rows.push({ ...batch.get(i)!.toJSON() });
      if (rows.length >= n) break;
    }
    return rows;
  }

  stats(filter?: ScanFilter): Promise<LakeStats> {
    return lakeStats(this.#context, filter);
  }

  ls(filter?: ScanFilter): Promise<PartitionListing[]> {
    return listPartitions(this.#context, filter);
  }

  committedShards(): Promise<CommittedShard[]> {
    return committedShards(this.#context);
  }

  /**
   * Reads every committed file (or those `filter` selects) and checks its size and SHA-256 against its commit
   * record, without decoding. Lists each damaged or missing file with the shard that re-creates it.
   */
  verify(options?: VerifyOptions): Promise<VerifyReport> {
    this.#assertOpen();
    return verifyLake(this.#context, options);
  }

  deleteShard(shardId: string): Promise<boolean> {
    this.#assertOpen();
    return deleteShard(this.#context, shardId);
  }

  /** Finishes interrupted publishes, removes dead writers' staging and unreferenced files. */
  recover(options?: RecoverOptions): Promise<RecoverReport> {
    this.#assertOpen();
    return recoverLake(this.#context, options);
  }

  /** Stops the codec threads and, when the lake opened its own storage, the storage client. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      const results = await Promise.allSettled([
        this.#context.codec.close(),
        this.#ownsStorage ? this.#context.storage.close?.() : undefined,
      ]);
      const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) throw failed.reason;
    })();
    return this.#closing;
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  #assertOpen(): void {
    if (this.#closing) throw new LakeOptionsError(`The lake at ${this.url} is closed.`);
  }
}
