/**
 * The lake's commit protocol: how a shard's files become visible, all at once, exactly once.
 *
 * Layout under the lake root:
 * ```
 * _lake.json                                        schema + partition spec (written once)
 * _commits/<shard>.json                             commit record of a shard: the commit point
 * _staging/<shard>/<attempt>/<partition>/<file>.tmp files of an attempt before its commit
 * date=2026-01-01/city=berlin/part-<shard>-<n>.parquet  published files (what DuckDB, pyarrow, Spark read)
 * ```
 * An attempt to write shard S:
 * 1. encodes each partition file and puts it under `_staging/S/<attempt>/…` (atomic put; `.tmp` names are
 *    matched by no `*.parquet` glob, and pyarrow skips `_`-prefixed folders);
 * 2. puts `_commits/S.json` listing those files with `published: false`: **the commit point**. Before it, the
 *    attempt has no visible effect; from it on, the shard's rows are in the lake;
 * 3. moves each staged file to its final name `part-S-<n>.parquet` (a rename locally, a server-side copy on
 *    S3), replacing the file a previous attempt published there, then deletes final files of the previous
 *    commit that this one no longer has, and rewrites the record with `published: true`.
 * Final names depend only on the shard, its partitions and the order of its rows, so a retried or duplicated
 * task replaces its files instead of adding to them. This lake's reader follows the commit records (staged
 * files before step 3 ends, final files after), so it never sees a half-committed shard; `recover()` finishes
 * step 3 of an attempt that died during it, and removes staging left by attempts that died before step 2.
 *
 * Each file's entry holds its size and SHA-256 (format `convoy-lake-commit/2`), which every read checks
 * (integrity.ts); records of format 1, written before, have sizes only and are read as they are.
 */
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import type { ObjectStorage } from '../../cluster/storage/index.ts';
import { formatZodIssues } from '../../cluster/common/index.ts';
import { InvalidShardIdError, LakeMetadataError } from './errors.ts';

export const LAKE_DESCRIPTOR_KEY = '_lake.json';
export const COMMITS_PREFIX = '_commits/';
export const STAGING_PREFIX = '_staging/';

const SHARD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,199}$/;

export function assertValidShardId(shardId: string): void {
  if (typeof shardId !== 'string' || !SHARD_ID.test(shardId)) throw new InvalidShardIdError(String(shardId));
}

export function newAttemptId(): string {
  return `${Date.now().toString(36)}-${randomBytes(5).toString('hex')}`;
}

export const commitKey = (shardId: string) => `${COMMITS_PREFIX}${shardId}.json`;
export const stagingPrefix = (shardId: string, attemptId: string) => `${STAGING_PREFIX}${shardId}/${attemptId}/`;
export const finalFileKey = (partitionPath: string, shardId: string, sequence: number) =>
  `${partitionPath}/part-${shardId}-${sequence}.parquet`;

const committedFileSchema = z.strictObject({
  /** Final key, e.g. `date=2026-01-01/city=berlin/part-S-0.parquet`. */
  key: z.string(),
  /** Where the file sits until the commit is published. */
  stagedKey: z.string(),
  partition: z.record(z.string(), z.string()),
  rows: z.int().nonnegative(),
  bytes: z.int().nonnegative(),
  /** Hex SHA-256 of the file's bytes; absent in format-1 records. */
  sha256: z.string().regex(/^[0-9a-f]{64}$/, 'must be 64 hex digits').optional(),
  minTimeMs: z.number().optional(),
  maxTimeMs: z.number().optional(),
});
export type CommittedFile = z.infer<typeof committedFileSchema>;

export const COMMIT_FORMAT = 'convoy-lake-commit/2';

export const commitRecordSchema = z
  .strictObject({
    /** 1: sizes only; 2: sizes and SHA-256 of every file. */
    format: z.enum(['convoy-lake-commit/1', COMMIT_FORMAT]),
    shardId: z.string(),
    attemptId: z.string(),
    committedAt: z.string(),
    published: z.boolean(),
    rows: z.int().nonnegative(),
    bytes: z.int().nonnegative(),
    files: z.array(committedFileSchema),
  })
  .refine((r) => r.format !== COMMIT_FORMAT || r.files.every((f) => f.sha256 !== undefined), {
    message: `every file of a ${COMMIT_FORMAT} record needs its sha256`,
    path: ['files'],
  });
export type CommitRecord = z.infer<typeof commitRecordSchema>;

export async function readCommit(storage: ObjectStorage, shardId: string): Promise<CommitRecord | undefined> {
  return readCommitAt(storage, commitKey(shardId));
}

export async function readCommitAt(storage: ObjectStorage, key: string): Promise<CommitRecord | undefined> {
  const bytes = await storage.get(key);
  if (bytes === undefined) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new LakeMetadataError(storage.url, key, { cause: error });
  }
  const parsed = commitRecordSchema.safeParse(value);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues, { root: '(record)' }).join('; ');
    throw new LakeMetadataError(storage.url, key, { cause: new Error(problems, { cause: parsed.error }) });
  }
  return parsed.data;
}

export async function writeCommit(storage: ObjectStorage, record: CommitRecord): Promise<void> {
  await storage.put(commitKey(record.shardId), new TextEncoder().encode(`${JSON.stringify(record, null, 1)}\n`));
}

/** Every commit record of the lake, read with bounded parallelism (S3 answers each GET in tens of ms). */
export async function readAllCommits(storage: ObjectStorage, concurrency = 16): Promise<CommitRecord[]> {
  const keys: string[] = [];
  for await (const { key } of storage.list(COMMITS_PREFIX)) if (key.endsWith('.json')) keys.push(key);
  const records: (CommitRecord | undefined)[] = new Array(keys.length);
  await forEachLimit(keys, concurrency, async (key, i) => {
    records[i] = await readCommitAt(storage, key);
  });
  return records.filter((r): r is CommitRecord => r !== undefined);
}

/** Runs `fn` over `items` with at most `limit` calls in flight; the first failure rejects after all settle. */
export async function forEachLimit<T>(items: readonly T[], limit: number, fn: (item: T, index: number) => Promise<void>): Promise<void> {
  let next = 0;
  let failure: { error: unknown } | undefined;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (failure === undefined && next < items.length) {
      const index = next++;
      try {
        await fn(items[index]!, index);
      } catch (error) {
        failure ??= { error };
      }
    }
  });
  await Promise.all(runners);
  if (failure) throw failure.error;
}

/** Moves with the backend's server-side move when it has one, else copies through the client. */
export async function moveObject(storage: ObjectStorage, from: string, to: string): Promise<void> {
  if (storage.move) return storage.move(from, to);
  const bytes = await storage.get(from);
  if (bytes === undefined) throw new Error(`move: no object at ${from}`);
  await storage.put(to, bytes);
  await storage.delete(from);
}

/**
 * Step 3 of the protocol for a committed record: move staged files to their final names, drop files of the
 * previous commit that this one no longer lists, mark the record published. Safe to repeat.
 */
export async function publishCommit(
  storage: ObjectStorage,
  record: CommitRecord,
  previous: CommitRecord | undefined,
  concurrency = 8,
): Promise<CommitRecord> {
  await forEachLimit(record.files, concurrency, async (file) => {
    try {
      await moveObject(storage, file.stagedKey, file.key);
    } catch (error) {
      // Already moved by an earlier (interrupted) publish of this same record: the final file is ours.
      if ((await storage.size(file.stagedKey)) === undefined && (await storage.size(file.key)) !== undefined) return;
      throw error;
    }
  });
  if (previous) {
    const keep = new Set(record.files.map((f) => f.key));
    const stale = previous.files.filter((f) => !keep.has(f.key));
    await forEachLimit(stale, concurrency, async (file) => {
      await storage.delete(file.key);
      await storage.delete(file.stagedKey);
    });
  }
  const published: CommitRecord = { ...record, published: true };
  await writeCommit(storage, published);
  return published;
}
