/**
 * `lake.verify()`: reads every committed file and checks it against its commit record (size and SHA-256, see
 * integrity.ts) without decoding, so damage is found before a scan trips over it, and each damaged file is
 * listed with the shard whose re-run writes it again.
 */
import { forEachLimit } from './commit.ts';
import type { LakeContext } from './context.ts';
import { describeDamage, checkFile, type FileDamage } from './integrity.ts';
import { ProgressMeter, type ProgressCallback } from './progress.ts';
import { planScan, scanFilterSchema, type ScanFilter } from './reader.ts';

export interface VerifyOptions {
  /** Only the files a scan with this filter would read. @default every committed file */
  filter?: ScanFilter;
  onProgress?: ProgressCallback;
  /** Files read at once. @default 4 */
  concurrency?: number;
}

export interface DamagedFile {
  key: string;
  /** Partition path, e.g. `date=2026-01-01/city=berlin`. */
  partition: string;
  /** The shard whose re-run writes this file again. */
  shardId: string;
  problem: 'missing' | FileDamage['problem'];
  /** What was found against what the commit record says. */
  detail: string;
}

export interface VerifyReport {
  url: string;
  files: number;
  bytes: number;
  /** Files whose size and SHA-256 match their commit record. */
  verified: number;
  /**
   * Files whose commit record has no hash (written before hashes were): only their size was checked. Re-running
   * their shards adds hashes.
   */
  unverified: number;
  unverifiedShards: string[];
  damaged: DamagedFile[];
  /** Shards to re-run (or delete and re-collect) to replace every damaged file, sorted. */
  damagedShards: string[];
}

export async function verifyLake(context: LakeContext, options: VerifyOptions = {}): Promise<VerifyReport> {
  const { storage } = context;
  const files = await planScan(context, options.filter === undefined ? undefined : scanFilterSchema.parse(options.filter));
  const meter = new ProgressMeter('verify', options.onProgress, { rows: files.reduce((n, f) => n + f.rows, 0), files: files.length });
  const damaged: DamagedFile[] = [];
  const unverifiedShards = new Set<string>();
  let verified = 0;
  let unverified = 0;
  await forEachLimit(files, options.concurrency ?? 4, async (file) => {
    const partition = file.key.slice(0, file.key.lastIndexOf('/'));
    // A publish may move the file between our reading the record and fetching it: try the other name too.
    const [first, second] = file.published ? [file.key, file.stagedKey] : [file.stagedKey, file.key];
    const bytes = (await storage.get(first)) ?? (await storage.get(second));
    meter.add(file.rows, bytes?.byteLength ?? 0, 1);
    if (bytes === undefined) {
      damaged.push({ key: file.key, partition, shardId: file.shardId, problem: 'missing', detail: 'is listed in its shard commit but missing' });
      return;
    }
    const damage = checkFile(bytes, { bytes: file.bytes, sha256: file.sha256 });
    if (damage) damaged.push({ key: file.key, partition, shardId: file.shardId, problem: damage.problem, detail: describeDamage(damage) });
    else if (file.sha256 === undefined) {
      unverified++;
      unverifiedShards.add(file.shardId);
    } else verified++;
  });
  meter.done();
  damaged.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return {
    url: storage.url,
    files: files.length,
    bytes: files.reduce((n, f) => n + f.bytes, 0),
    verified,
    unverified,
    unverifiedShards: [...unverifiedShards].sort(),
    damaged,
    damagedShards: [...new Set(damaged.map((d) => d.shardId))].sort(),
  };
}
