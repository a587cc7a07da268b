/**
 * `_datasets/<city>.json`: what an import put into one city partition, beside the data: the dataset's own
 * speed unit (the lake stores km/h; evaluation reports in the unit the user knows), its time zone and
 * interval, and each imported file with its content hash and shard. The `_` prefix keeps it out of the way of
 * pyarrow, Spark and `*.parquet` globs, and `recover()` sweeps only `*.parquet` files, so it is never removed.
 *
 * The commit records stay the truth about rows; this file only describes them. It is rewritten whole after
 * each import (two imports into one city at the same moment: the last one's list wins; re-importing restores it).
 */
import { z } from 'zod';
import type { ObjectStorage } from '../../cluster/storage/index.ts';
import { LakeMetadataError } from './errors.ts';
import { SPEED_UNIT_NAMES } from '../traffic/units.ts';

export const DATASETS_PREFIX = '_datasets/';

export type { SpeedUnit } from '../traffic/units.ts';

const importedFileSchema = z.object({
  /** The file's name as given on the command line (its base name). */
  file: z.string(),
  /** SHA-256 of the file's bytes: the same bytes are the same shard, so importing them again replaces it. */
  sha256: z.string(),
  shardId: z.string(),
  samples: z.number().int().nonnegative(),
  missing: z.number().int().nonnegative(),
  importedAt: z.string(),
});

const datasetInfoSchema = z.object({
  format: z.literal('convoy-dataset/1'),
  city: z.string(),
  dataset: z.string(),
  /** Unit of the source files' speeds; the lake's columns are km/h whatever this says. */
  speedUnit: z.enum(SPEED_UNIT_NAMES),
  timeZone: z.string(),
  /** Seconds between readings, when the import knew it (wide files with `--interval`). */
  intervalSeconds: z.number().positive().optional(),
  /** Distinct sensors seen, and how many of them have no coordinates (lat = lon = NaN). */
  sensors: z.number().int().nonnegative(),
  /** The sensors' ids (`segment_id`), sorted: a model's embedding vocabulary, and what a sensor graph must cover. */
  sensorIds: z.array(z.string()).default([]),
  sensorsWithoutCoordinates: z.number().int().nonnegative(),
  files: z.array(importedFileSchema),
});

export type DatasetInfo = z.output<typeof datasetInfoSchema>;
export type ImportedFile = z.infer<typeof importedFileSchema>;

export function datasetInfoKey(city: string): string {
  return `${DATASETS_PREFIX}${encodeURIComponent(city)}.json`;
}

/** The dataset description of a city, or undefined when nothing was imported there. */
export async function readDatasetInfo(storage: ObjectStorage, city: string): Promise<DatasetInfo | undefined> {
  const key = datasetInfoKey(city);
  const bytes = await storage.get(key);
  if (bytes === undefined) return undefined;
  try {
    return datasetInfoSchema.parse(JSON.parse(new TextDecoder().decode(bytes)));
  } catch (error) {
    throw new LakeMetadataError(storage.url, key, { cause: error });
  }
}

export async function writeDatasetInfo(storage: ObjectStorage, info: DatasetInfo): Promise<void> {
  const checked = datasetInfoSchema.parse(info);
  await storage.put(datasetInfoKey(info.city), new TextEncoder().encode(`${JSON.stringify(checked, null, 1)}\n`));
}
