/**
 * Writing one shard: split batches by partition, buffer per partition, encode files in parallel (codec
 * threads) while the next batches are split, stage them, then commit and publish (see commit.ts).
 *
 * Memory stays bounded: a partition buffer is flushed to a file at `maxRowsPerFile` rows, the largest buffer
 * is flushed early when all together exceed `maxBufferedRows`, and at most `codec.parallelism + 1` files are
 * being encoded or uploaded at once (the input is not pulled while that many are in flight).
 */
import { RecordBatch, Table, tableToIPC } from 'apache-arrow';
import type { CommittedFile, CommitRecord } from './commit.ts';
import {
  assertValidShardId,
  COMMIT_FORMAT,
  finalFileKey,
  forEachLimit,
  newAttemptId,
  publishCommit,
  readCommit,
  stagingPrefix,
  writeCommit,
} from './commit.ts';
import { toFileBatch, type LakeContext } from './context.ts';
import { schemaDifferences } from './descriptor.ts';
import { LakeSchemaMismatchError, ShardPublishError, ShardWriteError } from './errors.ts';
import { partitionPath, splitByPartition } from './partitioning.ts';
import { ProgressMeter, type ProgressCallback } from './progress.ts';

export type ShardInput = RecordBatch | Table | Iterable<RecordBatch> | AsyncIterable<RecordBatch>;

export interface WriteShardOptions {
  /** Called with rows, files, bytes, rate and (given `expectedRows`) ETA while the shard is written. */
  onProgress?: ProgressCallback;
  /** Rows the input will hold, for the ETA. */
  expectedRows?: number;
  /** Stops the write before its commit; nothing becomes visible. */
  signal?: AbortSignal;
}

export interface ShardWriteResult {
  shardId: string;
  attemptId: string;
  rows: number;
  bytes: number;
  files: number;
  partitions: number;
  /** True when this write replaced an earlier commit of the same shard. */
  replaced: boolean;
}

interface PartitionBuffer {
  path: string;
  values: string[];
  batches: RecordBatch[];
  rows: number;
  minTimeMs: number;
  maxTimeMs: number;
  nextSequence: number;
}

export async function writeShard(
  context: LakeContext,
  shardId: string,
  input: ShardInput,
  options: WriteShardOptions = {},
): Promise<ShardWriteResult> {
  assertValidShardId(shardId);
  const { storage, settings, codec } = context;
  await context.ensureDescriptor();
  const attemptId = newAttemptId();
  const staging = stagingPrefix(shardId, attemptId);
  const meter = new ProgressMeter('write', options.onProgress, { rows: options.expectedRows });
  const buffers = new Map<string, PartitionBuffer>();
  const files: CommittedFile[] = [];
  const inFlight = new Set<Promise<void>>();
  let failure: { error: unknown } | undefined;
  let buffered = 0;
  const checkedSchemas = new WeakSet<object>();

  const flush = (buffer: PartitionBuffer, rows: number) => {
    // The buffer's time span covers these rows (it may be wider, which only makes pruning less sharp).
    const span = { minTimeMs: buffer.minTimeMs, maxTimeMs: buffer.maxTimeMs };
    const fileBatches = takeFirstRows(buffer, rows).map((b) => toFileBatch(b, context));
    buffered -= rows;
    const key = finalFileKey(buffer.path, shardId, buffer.nextSequence++);
    const stagedKey = `${staging}${key}.tmp`;
    // Arrow JS → IPC is the one copy on this thread; the encode itself runs in a codec thread.
    const ipc = tableToIPC(new Table(context.fileSchema, fileBatches), 'stream');
    const task = (async () => {
      const parquet = await codec.encode(ipc, context.encodeSettings);
      await storage.put(stagedKey, parquet.bytes);
      const file: CommittedFile = { key, stagedKey, partition: zip(context, buffer.values), rows, bytes: parquet.bytes.byteLength, sha256: parquet.sha256 };
      if (Number.isFinite(span.minTimeMs)) Object.assign(file, span);
      files.push(file);
      meter.add(rows, parquet.bytes.byteLength, 1);
    })().catch((error: unknown) => {
      failure ??= { error };
    });
    inFlight.add(task);
    void task.finally(() => inFlight.delete(task));
  };

  const waitForRoom = async (limit: number) => {
    while (inFlight.size > limit) await Promise.race(inFlight);
    if (failure) throw failure.error;
  };

  try {
    for await (const batch of batchesOf(input)) {
      options.signal?.throwIfAborted();
      if (!checkedSchemas.has(batch.schema)) {
        const differences = schemaDifferences(context.schema, batch.schema);
        if (differences.length > 0) throw new LakeSchemaMismatchError(storage.url, differences, `A batch of shard ${JSON.stringify(shardId)}`);
        checkedSchemas.add(batch.schema);
      }
      for (const slice of splitByPartition(batch, context.partitioning)) {
        const path = partitionPath(context.partitioning, slice.values);
        let buffer = buffers.get(path);
        if (!buffer) {
          buffer = { path, values: slice.values, batches: [], rows: 0, minTimeMs: Infinity, maxTimeMs: -Infinity, nextSequence: 0 };
          buffers.set(path, buffer);
        }
        buffer.batches.push(slice.batch);
        buffer.rows += slice.batch.numRows;
        buffered += slice.batch.numRows;
        if (slice.minTimeMs !== undefined && slice.minTimeMs < buffer.minTimeMs) buffer.minTimeMs = slice.minTimeMs;
        if (slice.maxTimeMs !== undefined && slice.maxTimeMs > buffer.maxTimeMs) buffer.maxTimeMs = slice.maxTimeMs;
        while (buffer.rows >= settings.maxRowsPerFile) flush(buffer, settings.maxRowsPerFile);
      }
      while (buffered > settings.maxBufferedRows) {
        const largest = [...buffers.values()].reduce((a, b) => (b.rows > a.rows ? b : a));
        flush(largest, largest.rows);
      }
      await waitForRoom(codec.parallelism);
    }
    for (const buffer of [...buffers.values()].sort((a, b) => (a.path < b.path ? -1 : 1))) {
      if (buffer.rows > 0) flush(buffer, buffer.rows);
      await waitForRoom(codec.parallelism);
    }
    await waitForRoom(0);
  } catch (error) {
    await Promise.allSettled(inFlight);
    await deletePrefix(context, staging);
    throw new ShardWriteError(shardId, storage.url, { cause: error });
  }

  files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const previous = await readCommit(storage, shardId);
  const record: CommitRecord = {
    format: COMMIT_FORMAT,
    shardId,
    attemptId,
    committedAt: new Date().toISOString(),
    published: false,
    rows: files.reduce((sum, f) => sum + f.rows, 0),
    bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    files,
  };
  try {
    await writeCommit(storage, record);
  } catch (error) {
    await deletePrefix(context, staging);
    throw new ShardWriteError(shardId, storage.url, { cause: error });
  }
  try {
    await publishCommit(storage, record, previous);
  } catch (error) {
    throw new ShardPublishError(shardId, storage.url, { cause: error });
  }
  await deletePrefix(context, staging);
  meter.done();
  context.logger?.info({ shardId, attemptId, rows: record.rows, files: files.length, replaced: previous !== undefined }, 'shard committed');
  return {
    shardId,
    attemptId,
    rows: record.rows,
    bytes: record.bytes,
    files: files.length,
    partitions: new Set(files.map((f) => f.key.slice(0, f.key.lastIndexOf('/')))).size,
    replaced: previous !== undefined,
  };
}

async function* batchesOf(input: ShardInput): AsyncIterable<RecordBatch> {
  if (input instanceof RecordBatch) yield input;
  else if (input instanceof Table) yield* input.batches;
  else yield* input as AsyncIterable<RecordBatch>;
}

/** Removes the first `rows` rows from a partition buffer, slicing a batch at the boundary. */
function takeFirstRows(buffer: PartitionBuffer, rows: number): RecordBatch[] {
  const out: RecordBatch[] = [];
  let needed = rows;
  while (needed > 0) {
    const head = buffer.batches[0]!;
    if (head.numRows <= needed) {
      out.push(head);
      buffer.batches.shift();
      needed -= head.numRows;
    } else {
      out.push(head.slice(0, needed));
      buffer.batches[0] = head.slice(needed);
      needed = 0;
    }
  }
  buffer.rows -= rows;
  if (buffer.rows === 0) {
    buffer.minTimeMs = Infinity;
    buffer.maxTimeMs = -Infinity;
  }
  return out;
}

function zip(context: LakeContext, values: string[]): Record<string, string> {
  return Object.fromEntries(context.partitioning.map((f, i) => [f.name, values[i]!]));
}

export async function deletePrefix(context: Pick<LakeContext, 'storage'>, prefix: string): Promise<void> {
  const keys: string[] = [];
  try {
    for await (const { key } of context.storage.list(prefix)) keys.push(key);
    await forEachLimit(keys, 8, (key) => context.storage.delete(key));
  } catch {
    // Best effort: staging that outlives this call is removed by recover() once it is older than the grace time.
  }
}
