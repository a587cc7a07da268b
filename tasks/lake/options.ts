/**
 * Lake options in three steps: given (`LakeOptions`), defaulted and validated once by zod here, compiled into
 * `LakeSettings` and codec settings that the internals trust.
 */
import { Schema, Type, type Dictionary } from 'apache-arrow';
import { availableParallelism } from 'node:os';
import { z } from 'zod';
import type { OpenStorageOptions } from '../../cluster/storage/index.ts';
import { formatZodIssues } from '../../cluster/common/index.ts';
import type { LakeLogger, LakeSettings } from './context.ts';
import { LakeOptionsError } from './errors.ts';
import type { EncodeSettings } from './parquet/encode.ts';
import { partitionFieldSchema, type PartitionField } from './partitioning.ts';

export const lakeOptionsSchema = z.strictObject({
  schema: z.instanceof(Schema).optional(),
  partitioning: z.array(partitionFieldSchema).min(1).optional(),
  compression: z.enum(['snappy', 'zstd', 'lz4', 'gzip', 'none']).default('snappy'),
  rowGroupSize: z.int().min(1024).max(16_777_216).default(262_144),
  maxRowsPerFile: z.int().min(1).max(100_000_000).default(1_000_000),
  maxBufferedRows: z.int().min(1).optional(),
  dictionaryColumns: z.array(z.string()).optional(),
  statisticsColumns: z.array(z.string()).optional(),
  threads: z.int().min(0).max(256).optional(),
  readAhead: z.int().min(1).max(256).optional(),
  stagingGraceMs: z.int().min(0).default(3_600_000),
  s3: z.custom<OpenStorageOptions['s3']>((v) => v === undefined || (typeof v === 'object' && v !== null)).optional(),
  logger: z.custom<LakeLogger>((v) => v === undefined || (typeof v === 'object' && v !== null)).optional(),
});

export interface LakeOptions {
  /** Arrow schema of the rows. @default the schema stored in the lake, else `sampleSchema` (tasks/traffic/schema.ts) */
  schema?: Schema;
  /** Partition fields, outermost first. @default the stored spec, else date = day(timestamp), city = identity(city) */
  partitioning?: PartitionField[];
  /** Parquet compression codec. @default 'snappy' */
  compression?: 'snappy' | 'zstd' | 'lz4' | 'gzip' | 'none';
  /** Rows per Parquet row group (the unit DuckDB and Spark parallelise reads over). @default 262144 */
  rowGroupSize?: number;
  /** Rows per file; a partition with more rows in one shard gets several files. @default 1000000 */
  maxRowsPerFile?: number;
  /** Rows a shard writer buffers across partitions before it flushes the largest early. @default 4 × maxRowsPerFile */
  maxBufferedRows?: number;
  /** Columns written with dictionary encoding. @default every utf8 and dictionary column */
  dictionaryColumns?: string[];
  /** Columns with min/max statistics in the files. @default the timestamp column(s) of `day` partitions */
  statisticsColumns?: string[];
  /** Codec threads (piscina) for encoding and decoding; 0 runs them inline, for callers already on a worker thread. @default os.availableParallelism() */
  threads?: number;
  /** Files fetched and decoded ahead of the one being read; bounds a scan's memory. @default threads + 1 */
  readAhead?: number;
  /** Staging older than this is treated as left by a dead writer by `recover()`. @default 3600000 (1 hour) */
  stagingGraceMs?: number;
  /** S3 settings for `s3://` lake URLs (endpoint, region, path style, credentials, part sizes). */
  s3?: OpenStorageOptions['s3'];
  logger?: LakeLogger;
}

export type ParsedLakeOptions = z.output<typeof lakeOptionsSchema>;

export function parseLakeOptions(options: LakeOptions): ParsedLakeOptions {
  const parsed = lakeOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const problems = formatZodIssues(parsed.error.issues, { root: '(options)' }).join('; ');
    throw new LakeOptionsError(`Invalid lake options: ${problems}`);
  }
  return parsed.data;
}

export function compileSettings(
  options: ParsedLakeOptions,
  schema: Schema,
  partitioning: readonly PartitionField[],
  fileSchema: Schema,
): { settings: LakeSettings; encodeSettings: EncodeSettings; threads: number } {
  const threads = options.threads ?? availableParallelism();
  const fileColumns = new Set(fileSchema.names.map(String));
  const check = (list: string[] | undefined, what: string) => {
    for (const column of list ?? []) {
      if (!schema.names.includes(column)) throw new LakeOptionsError(`${what} names ${JSON.stringify(column)}, which is not a column (columns: ${schema.names.join(', ')}).`);
    }
  };
  check(options.dictionaryColumns, 'dictionaryColumns');
  check(options.statisticsColumns, 'statisticsColumns');
  const dictionaryColumns =
    options.dictionaryColumns ??
    fileSchema.fields
      .filter((f) => f.type.typeId === Type.Utf8 || (f.type.typeId === Type.Dictionary && (f.type as Dictionary).dictionary.typeId === Type.Utf8))
      .map((f) => f.name);
  const statisticsColumns = options.statisticsColumns ?? partitioning.filter((p) => p.transform === 'day').map((p) => p.column);
  return {
    threads,
    settings: {
      compression: options.compression,
      rowGroupSize: options.rowGroupSize,
      maxRowsPerFile: options.maxRowsPerFile,
      maxBufferedRows: options.maxBufferedRows ?? 4 * options.maxRowsPerFile,
      dictionaryColumns,
      statisticsColumns,
      readAhead: options.readAhead ?? Math.max(1, threads) + 1,
      stagingGraceMs: options.stagingGraceMs,
    },
    encodeSettings: {
      compression: options.compression,
      rowGroupSize: options.rowGroupSize,
      dictionaryColumns: dictionaryColumns.filter((c) => fileColumns.has(c)),
      statisticsColumns: statisticsColumns.filter((c) => fileColumns.has(c)),
    },
  };
}
