/**
 * Imports historical files into the lake, one shard per file, as `convoy import` does.
 *
 *   const result = await importFiles(lake, ['speeds.csv'], { mapping: { dataset: 'loops', city: 'bay', layout: 'wide', speedUnit: 'mph', wide: { timestampColumn: '' } } });
 *
 * - **Idempotent.** A file's shard id is `import-<city>-<first 32 hex digits of the SHA-256 of its bytes>`, and
 *   the lake replaces a shard written again (commit.ts): importing the same bytes again, under any name, with
 *   the same or corrected options, leaves one copy. Different bytes are a different shard.
 * - **All or nothing per run.** A bad row fails its file's shard before the commit (the lake's protocol); the
 *   shards this run had already added for earlier files are then deleted again, so a failed run leaves the
 *   lake as it found it (shards it re-wrote held the same bytes before and are kept).
 * - **Described.** On success `_datasets/<city>.json` records the source unit, time zone and files
 *   (tasks/lake/datasets.ts), so evaluation can report in the dataset's unit.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { basename } from 'node:path';
import type { Lake } from '../../lake/index.ts';
import { readDatasetInfo, writeDatasetInfo, type DatasetInfo, type ImportedFile, type SpeedUnit } from '../../lake/datasets.ts';
import { ShardWriteError } from '../../lake/errors.ts';
import { registerTrafficErrors, TrafficError } from '../../traffic/errors.ts';
import { openHistoricalImport, type ImportOptions } from './historical.ts';
import { compileMapping, type ImportMapping } from './mapping.ts';

export interface ImportFilesOptions extends Pick<ImportOptions, 'format' | 'delimiter' | 'batchRows'> {
  /** One city for every file (`city` a string): it names the partition and the dataset description. */
  mapping: ImportMapping & { city: string };
  /** Called after each output batch with totals over all files. */
  onProgress?: (p: FilesProgress) => void;
}

export interface FilesProgress {
  file: string;
  /** 0-based index of the file being read, of `files`. */
  fileIndex: number;
  files: number;
  rows: number;
  samples: number;
  missing: number;
  /** Share of all files' bytes consumed, 0–1. */
  fraction: number;
  samplesPerSecond: number;
  etaSeconds: number | undefined;
}

export interface ImportedFileResult extends ImportedFile {
  path: string;
  rows: number;
  badRows: number;
  /** True when the lake held this shard already (the same bytes imported before): it was replaced, not added. */
  replaced: boolean;
}

export interface ImportFilesResult {
  city: string;
  files: ImportedFileResult[];
  rows: number;
  samples: number;
  missing: number;
  badRows: number;
  sensors: number;
  sensorsWithoutCoordinates: number;
  elapsedSeconds: number;
}

/** Two imports into one city whose files are in different units: the description could name only one. */
export class DatasetUnitConflictError extends TrafficError {
  override readonly name = 'DatasetUnitConflictError';
  constructor(
    readonly city: string,
    readonly stored: SpeedUnit,
    readonly given: SpeedUnit,
  ) {
    super(`city ${JSON.stringify(city)} holds data imported in ${stored}, not ${given}: import these files under another city, or in ${stored} if that is their unit`);
  }
}

export async function importFiles(lake: Lake, paths: readonly string[], options: ImportFilesOptions): Promise<ImportFilesResult> {
  const compiled = compileMapping(options.mapping);
  const city = options.mapping.city;
  const previous = await readDatasetInfo(lake.storage, city);
  if (previous && previous.speedUnit !== compiled.speedUnit) throw new DatasetUnitConflictError(city, previous.speedUnit, compiled.speedUnit);
  const sizes = await Promise.all(paths.map(async (p) => (await stat(p)).size));
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const committed = new Set((await lake.committedShards()).map((s) => s.shardId));
  const started = Date.now();
  const added: string[] = [];
  const results: ImportedFileResult[] = [];
  const sensors = new Set<string>();
  const uncoordinated = new Set<string>();
  let bytesBefore = 0;
  const totals = { rows: 0, samples: 0, missing: 0 };
  try {
    for (const [fileIndex, path] of paths.entries()) {
      const sha256 = await sha256Of(path);
      const shardId = `import-${city.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 120)}-${sha256.slice(0, 32)}`;
      const imp = await openHistoricalImport(path, options.mapping, {
        format: options.format,
        delimiter: options.delimiter,
        batchRows: options.batchRows,
        onProgress: (p) => {
          if (!options.onProgress) return;
          const fraction = totalBytes > 0 ? (bytesBefore + p.fraction * sizes[fileIndex]!) / totalBytes : 1;
          const elapsed = Math.max(1, Date.now() - started) / 1000;
          const samples = totals.samples + p.samples;
          options.onProgress({
            file: path,
            fileIndex,
            files: paths.length,
            rows: totals.rows + p.rows,
            samples,
            missing: totals.missing + p.missing,
            fraction,
            samplesPerSecond: samples / elapsed,
            etaSeconds: fraction > 0 ? (elapsed * (1 - fraction)) / fraction : undefined,
          });
        },
      });
      try {
        await lake.writeShard(shardId, imp.batches());
      } catch (error) {
        // The shard is not committed; what the user must see is the row or file at fault, not the lake's wrapper.
        throw error instanceof ShardWriteError && error.cause instanceof TrafficError ? error.cause : error;
      }
      if (!committed.has(shardId)) added.push(shardId);
      for (const s of imp.sensors) sensors.add(s);
      for (const s of imp.sensorsWithoutCoordinates) uncoordinated.add(s);
      const { rows, samples, missing, badRows } = imp.stats;
      totals.rows += rows;
      totals.samples += samples;
      totals.missing += missing;
      bytesBefore += sizes[fileIndex]!;
      results.push({ path, file: basename(path), sha256, shardId, samples, missing, rows, badRows, replaced: committed.has(shardId), importedAt: new Date().toISOString() });
    }
  } catch (error) {
    // Leave the lake as this run found it: the shards it added go again (each was whole, but the run was not).
    for (const shardId of added) await lake.deleteShard(shardId).catch(() => undefined);
    throw error;
  }
  await writeDatasetInfo(lake.storage, describe(previous, compiled, city, results, sensors, uncoordinated.size));
  return {
    city,
    files: results,
    ...totals,
    badRows: results.reduce((a, r) => a + r.badRows, 0),
    sensors: sensors.size,
    sensorsWithoutCoordinates: uncoordinated.size,
    elapsedSeconds: (Date.now() - started) / 1000,
  };
}

/** The city's description after this import: its files replace earlier entries with the same shard. */
function describe(previous: DatasetInfo | undefined, m: ReturnType<typeof compileMapping>, city: string, results: ImportedFileResult[], sensors: ReadonlySet<string>, uncoordinated: number): DatasetInfo {
  const files = new Map((previous?.files ?? []).map((f) => [f.shardId, f]));
  for (const r of results) files.set(r.shardId, { file: r.file, sha256: r.sha256, shardId: r.shardId, samples: r.samples, missing: r.missing, importedAt: r.importedAt });
  const intervalSeconds = m.wide?.intervalSeconds ?? previous?.intervalSeconds;
  // A run that re-imports every file the city lists describes it anew; otherwise its sensors join the earlier ones.
  const anew = files.size === results.length;
  const sensorIds = [...new Set([...(anew ? [] : previous?.sensorIds ?? []), ...sensors])].sort();
  return {
    format: 'convoy-dataset/1',
    city,
    dataset: m.dataset,
    speedUnit: m.speedUnit,
    timeZone: m.timeZone,
    ...(intervalSeconds !== undefined ? { intervalSeconds } : {}),
    sensors: sensorIds.length,
    // Of this run's sensors, or of the earlier runs' when they had more (a lower bound: ids without coordinates are not kept).
    sensorsWithoutCoordinates: Math.max(uncoordinated, anew ? 0 : previous?.sensorsWithoutCoordinates ?? 0),
    sensorIds,
    files: [...files.values()],
  };
}

async function sha256Of(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

registerTrafficErrors(DatasetUnitConflictError);
