/**
 * Repairs after crashes, and shard deletion. Both keep the rule of the commit protocol: the commit record
 * decides what is in the lake, and published files are made to agree with it.
 */
import { COMMITS_PREFIX, commitKey, forEachLimit, LAKE_DESCRIPTOR_KEY, publishCommit, readAllCommits, readCommit, STAGING_PREFIX } from './commit.ts';
import type { LakeContext } from './context.ts';
import { DATASETS_PREFIX } from './datasets.ts';
import { deletePrefix } from './writer.ts';

export interface RecoverOptions {
  /** Staging of attempts younger than this may belong to a writer still running and is left alone. @default the lake's stagingGraceMs (1 hour) */
  stagingGraceMs?: number;
  /** Also delete published `*.parquet` files that no commit lists (left by a crash between a re-run's commit and its cleanup). @default true */
  sweepOrphans?: boolean;
}

export interface RecoverReport {
  /** Committed shards whose files were moved to their final names. */
  published: string[];
  /** Staging objects of dead attempts removed. */
  stagingDeleted: number;
  /** Published files no commit lists, removed. */
  orphansDeleted: string[];
}

export async function recoverLake(context: LakeContext, options: RecoverOptions = {}): Promise<RecoverReport> {
  const { storage } = context;
  const graceMs = options.stagingGraceMs ?? context.settings.stagingGraceMs;
  const report: RecoverReport = { published: [], stagingDeleted: 0, orphansDeleted: [] };
  const records = await readAllCommits(storage);
  for (const record of records) {
    if (record.published) continue;
    await publishCommit(storage, record, undefined);
    report.published.push(record.shardId);
  }
  const current = new Map(records.map((r) => [r.shardId, r.attemptId]));
  const stale: string[] = [];
  for await (const { key } of storage.list(STAGING_PREFIX)) {
    const [shardId, attemptId] = key.slice(STAGING_PREFIX.length).split('/');
    if (!shardId || !attemptId) continue;
    const startedMs = parseInt(attemptId.split('-')[0] ?? '', 36);
    const old = !Number.isFinite(startedMs) || Date.now() - startedMs > graceMs;
    // The committed attempt's staging is empty once published; anything else is a dead or running attempt.
    if (old || current.get(shardId) === attemptId) stale.push(key);
  }
  await forEachLimit(stale, 8, (key) => storage.delete(key));
  report.stagingDeleted = stale.length;
  if (options.sweepOrphans ?? true) {
    const referenced = new Set(records.flatMap((r) => r.files.map((f) => f.key)));
    const orphans: string[] = [];
    for await (const { key } of storage.list()) {
      if (key.startsWith('_') || key.startsWith('.') || !key.endsWith('.parquet')) continue;
      if (!referenced.has(key)) orphans.push(key);
    }
    // A writer commits before it publishes, so a final file no current commit lists is never about to become
    // one; it is left over from a replaced or deleted shard.
    const recheck = new Set((await readAllCommits(storage)).flatMap((r) => r.files.map((f) => f.key)));
    const confirmed = orphans.filter((key) => !recheck.has(key));
    await forEachLimit(confirmed, 8, (key) => storage.delete(key));
    report.orphansDeleted = confirmed;
  }
  if (report.published.length + report.stagingDeleted + report.orphansDeleted.length > 0) {
    context.logger?.info({ published: report.published.length, stagingDeleted: report.stagingDeleted, orphansDeleted: report.orphansDeleted.length }, 'lake recovered');
  }
  return report;
}

/** Removes a shard: its commit first (readers stop seeing it at once), then its files. False when absent. */
export async function deleteShard(context: LakeContext, shardId: string): Promise<boolean> {
  const record = await readCommit(context.storage, shardId);
  if (!record) return false;
  await context.storage.delete(commitKey(shardId));
  await forEachLimit(record.files, 8, async (file) => {
    await context.storage.delete(file.key);
    await context.storage.delete(file.stagedKey);
  });
  await deletePrefix(context, `${STAGING_PREFIX}${shardId}/`);
  return true;
}

/**
 * Keys the lake owns besides data files; kept here so tools can tell them apart. `datasets` (datasets.ts) and
 * `graphs` (tasks/graph/) are sidecars that describe imported data; recover() leaves them alone.
 */
export const LAKE_METADATA_KEYS = { descriptor: LAKE_DESCRIPTOR_KEY, commits: COMMITS_PREFIX, staging: STAGING_PREFIX, datasets: DATASETS_PREFIX, graphs: '_graph/' } as const;
