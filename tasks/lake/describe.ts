/**
 * What a lake holds, from its commit records alone (no Parquet is opened): the data behind `convoy lake ls`,
 * `convoy lake stats` and the collection job's resume.
 */
import { readAllCommits, type CommitRecord } from './commit.ts';
import type { LakeContext } from './context.ts';
import { planScan, type ScanFilter, scanFilterSchema } from './reader.ts';

export interface CommittedShard {
  shardId: string;
  attemptId: string;
  committedAt: string;
  rows: number;
  bytes: number;
  files: number;
  /** False while the files still sit in staging (the writer died while publishing; `recover()` finishes). */
  published: boolean;
}

export interface PartitionListing {
  /** `date=2026-01-01/city=berlin` */
  path: string;
  values: Record<string, string>;
  files: number;
  rows: number;
  bytes: number;
  shards: number;
}

export interface LakeStats {
  url: string;
  shards: number;
  files: number;
  rows: number;
  bytes: number;
  partitions: number;
  /** Rows per value of each partition field, e.g. `{ city: { berlin: 1200 }, date: { '2026-01-01': 600 } }`. */
  rowsBy: Record<string, Record<string, number>>;
  /** Earliest and latest sample time (ms), when files carry time spans. */
  minTimeMs?: number;
  maxTimeMs?: number;
  /** Shards committed but not yet published (see `recover()`). */
  unpublishedShards: number;
}

export async function committedShards(context: LakeContext): Promise<CommittedShard[]> {
  const records = await readAllCommits(context.storage);
  return records
    .map((r: CommitRecord) => ({
      shardId: r.shardId,
      attemptId: r.attemptId,
      committedAt: r.committedAt,
      rows: r.rows,
      bytes: r.bytes,
      files: r.files.length,
      published: r.published,
    }))
    .sort((a, b) => (a.shardId < b.shardId ? -1 : a.shardId > b.shardId ? 1 : 0));
}

export async function listPartitions(context: LakeContext, filter?: ScanFilter): Promise<PartitionListing[]> {
  const files = await planScan(context, filter === undefined ? undefined : scanFilterSchema.parse(filter));
  const byPath = new Map<string, PartitionListing & { shardIds: Set<string> }>();
  for (const file of files) {
    const path = file.key.slice(0, file.key.lastIndexOf('/'));
    let entry = byPath.get(path);
    if (!entry) {
      entry = { path, values: file.partition, files: 0, rows: 0, bytes: 0, shards: 0, shardIds: new Set() };
      byPath.set(path, entry);
    }
    entry.files++;
    entry.rows += file.rows;
    entry.bytes += file.bytes;
    entry.shardIds.add(file.shardId);
  }
  return [...byPath.values()].map(({ shardIds, ...rest }) => ({ ...rest, shards: shardIds.size }));
}

export async function lakeStats(context: LakeContext, filter?: ScanFilter): Promise<LakeStats> {
  const files = await planScan(context, filter === undefined ? undefined : scanFilterSchema.parse(filter));
  const records = await readAllCommits(context.storage);
  const stats: LakeStats = {
    url: context.storage.url,
    shards: new Set(files.map((f) => f.shardId)).size,
    files: files.length,
    rows: 0,
    bytes: 0,
    partitions: new Set(files.map((f) => f.key.slice(0, f.key.lastIndexOf('/')))).size,
    rowsBy: Object.fromEntries(context.partitioning.map((p) => [p.name, {}])),
    unpublishedShards: records.filter((r) => !r.published).length,
  };
  for (const file of files) {
    stats.rows += file.rows;
    stats.bytes += file.bytes;
    for (const [name, value] of Object.entries(file.partition)) {
      const counts = (stats.rowsBy[name] ??= {});
      counts[value] = (counts[value] ?? 0) + file.rows;
    }
    if (file.minTimeMs !== undefined) stats.minTimeMs = Math.min(stats.minTimeMs ?? Infinity, file.minTimeMs);
    if (file.maxTimeMs !== undefined) stats.maxTimeMs = Math.max(stats.maxTimeMs ?? -Infinity, file.maxTimeMs);
  }
  return stats;
}
