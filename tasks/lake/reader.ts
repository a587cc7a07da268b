/**
 * Reading the lake: plan from commit records (partition pruning, time pruning), fetch and decode a few files
 * ahead in the codec threads, and stream record batches in the lake schema, one file's batches at a time, so a
 * billion rows never sit in memory (at most `readAhead` decoded files do).
 *
 * Files come in key order (date, then city, then shard and sequence), so a scan is deterministic.
 */
import { makeData, RecordBatch, Schema, Struct, Type, Utf8, vectorFromArray, type Data, type Field, type Timestamp, type Vector } from 'apache-arrow';
import { z } from 'zod';
import { readAllCommits, type CommittedFile } from './commit.ts';
import { formatZodIssues } from '../../cluster/common/index.ts';
import type { DecodeReply } from './parquet/codec-messages.ts';
import type { LakeContext } from './context.ts';
import { unpackBatches, type PackedFile } from './parquet/packed-batches.ts';
import { LakeFileError, LakeFileIntegrityError, LakeOptionsError } from './errors.ts';
import { dayNumber, timestampsAsMs } from './partitioning.ts';
import { ProgressMeter, type ProgressCallback } from './progress.ts';
import { maskToIndices, takeRows } from './take.ts';

const dateString = z.string().refine((s) => !Number.isNaN(dayNumber(s)), 'must be a date YYYY-MM-DD');
const instant = z.union([z.number(), z.date().transform((d) => d.getTime())]);
const oneOrMany = z.union([z.string(), z.array(z.string())]).transform((v) => (Array.isArray(v) ? v : [v]));

export const scanFilterSchema = z.strictObject({
  /** Only these cities (sugar for `partitions: { city }`). */
  city: oneOrMany.optional(),
  /** Equality on any partition field, e.g. `{ city: ['oslo', 'rome'] }`. */
  partitions: z.record(z.string(), oneOrMany).optional(),
  /** First day to read, inclusive (UTC, `YYYY-MM-DD`), on the `day` partition field. */
  dateFrom: dateString.optional(),
  /** Last day to read, inclusive. */
  dateTo: dateString.optional(),
  /** Rows with timestamp >= timeFrom (ms or Date); row-level, after pruning files by their time span. */
  timeFrom: instant.optional(),
  /** Rows with timestamp < timeTo. */
  timeTo: instant.optional(),
  /** Only these shards. */
  shards: z.array(z.string()).optional(),
});
export type ScanFilter = z.input<typeof scanFilterSchema>;
type CompiledFilter = z.output<typeof scanFilterSchema>;

export const scanOptionsSchema = z.strictObject({
  /** Columns to return, in this order; partition columns (city) included. @default every column of the schema */
  columns: z.array(z.string()).min(1).optional(),
  filter: scanFilterSchema.optional(),
  /** Rows per batch. @default 65536 */
  batchSize: z.int().min(1).max(16_777_216).default(65_536),
  /** A corrupt, truncated or missing file: `throw` stops the scan, `skip` reports it to `onBadFile` and goes on. @default 'throw' */
  onBadFile: z.union([z.enum(['throw', 'skip']), z.custom<(error: LakeFileError) => void>((v) => typeof v === 'function')]).default('throw'),
  onProgress: z.custom<ProgressCallback>((v) => typeof v === 'function').optional(),
  reuseBuffers: z.boolean().default(false),
  slice: z
    .strictObject({ index: z.int().nonnegative(), count: z.int().positive() })
    .refine((s) => s.index < s.count, 'slice.index must be below slice.count')
    .optional(),
  signal: z.instanceof(AbortSignal).optional(),
});

export interface ScanOptions {
  columns?: string[];
  filter?: ScanFilter;
  /** @default 65536 */
  batchSize?: number;
  /** @default 'throw'; a function means skip and report the file's error to it. */
  onBadFile?: 'throw' | 'skip' | ((error: LakeFileError) => void);
  onProgress?: ProgressCallback;
  /**
   * Recycle decoded memory: once the scan moves past a file, its batches' buffers are detached (their typed
   * arrays become empty: reads give undefined or throw, never another file's rows) and reused for files further on. Saves allocating and collecting ~80 bytes per row;
   * for single-pass consumers (training) that do not keep batches. @default false
   */
  reuseBuffers?: boolean;
  /**
   * Read only every `count`-th planned file, starting at `index` (files in key order): `count` readers with
   * indexes 0…count−1 read disjoint parts that together are the whole scan, as data-parallel ranks do.
   */
  slice?: { index: number; count: number };
  signal?: AbortSignal;
}

export interface PlannedFile extends CommittedFile {
  shardId: string;
  published: boolean;
}

/** Committed files that a filter can match, in key order. */
export async function planScan(context: LakeContext, filter: CompiledFilter = {}): Promise<PlannedFile[]> {
  const records = await readAllCommits(context.storage);
  const equals = new Map<string, Set<string>>();
  for (const [name, values] of Object.entries({ ...filter.partitions, ...(filter.city ? { city: filter.city } : {}) })) {
    if (!context.partitioning.some((f) => f.name === name)) {
      throw new LakeOptionsError(`Scan filter on ${JSON.stringify(name)}, which is not a partition of this lake (partitions: ${context.partitioning.map((f) => f.name).join(', ')}).`);
    }
    equals.set(name, new Set(values));
  }
  const dayField = context.partitioning.find((f) => f.transform === 'day')?.name;
  if ((filter.dateFrom || filter.dateTo) && !dayField) throw new LakeOptionsError('dateFrom/dateTo need a lake partitioned by day.');
  const shards = filter.shards ? new Set(filter.shards) : undefined;
  const files: PlannedFile[] = [];
  for (const record of records) {
    if (shards && !shards.has(record.shardId)) continue;
    for (const file of record.files) {
      if (![...equals].every(([name, allowed]) => allowed.has(file.partition[name] ?? ''))) continue;
      const day = dayField ? file.partition[dayField] : undefined;
      if (day !== undefined && filter.dateFrom !== undefined && day < filter.dateFrom) continue;
      if (day !== undefined && filter.dateTo !== undefined && day > filter.dateTo) continue;
      if (filter.timeFrom !== undefined && file.maxTimeMs !== undefined && file.maxTimeMs < filter.timeFrom) continue;
      if (filter.timeTo !== undefined && file.minTimeMs !== undefined && file.minTimeMs >= filter.timeTo) continue;
      files.push({ ...file, shardId: record.shardId, published: record.published });
    }
  }
  return files.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}

type Loaded = { file: PlannedFile; packed: PackedFile } | { file: PlannedFile; error: LakeFileError };

export async function* scanLake(context: LakeContext, options: ScanOptions = {}): AsyncGenerator<RecordBatch> {
  const parsed = scanOptionsSchema.safeParse(options);
  if (!parsed.success) {
    throw new LakeOptionsError(`Invalid scan options: ${formatZodIssues(parsed.error.issues, { root: '(options)' }).join('; ')}`);
  }
  const { filter, batchSize, signal, reuseBuffers } = parsed.data;
  const columns = options.columns ?? context.schema.names.map(String);
  const unknown = columns.filter((c) => !context.schema.names.includes(c));
  if (unknown.length > 0) throw new LakeOptionsError(`Unknown column(s) ${unknown.map((c) => JSON.stringify(c)).join(', ')}; the lake has ${context.schema.names.join(', ')}.`);
  const outputSchema = new Schema(columns.map((c) => context.schema.fields.find((f) => f.name === c)!));
  const timeColumn = context.partitioning.find((f) => f.transform === 'day')?.column;
  const rowTimeFilter = filter?.timeFrom !== undefined || filter?.timeTo !== undefined;
  if (rowTimeFilter && !timeColumn) throw new LakeOptionsError('timeFrom/timeTo need a lake partitioned by the day of a timestamp column.');
  // Decode only what the output needs, plus the timestamp when rows are filtered by time.
  const wanted = new Set(columns.filter((c) => !context.pathOnly.has(c)));
  if (rowTimeFilter) wanted.add(timeColumn!);
  const allFileColumns = context.fileSchema.names.map(String);
  const decodeColumns = allFileColumns.every((c) => wanted.has(c)) ? undefined : allFileColumns.filter((c) => wanted.has(c));

  const planned = await planScan(context, filter);
  const slice = parsed.data.slice;
  const files = slice ? planned.filter((_, i) => i % slice.count === slice.index) : planned;
  const meter = new ProgressMeter('scan', options.onProgress, {
    rows: files.reduce((sum, f) => sum + f.rows, 0),
    files: files.length,
  });
  const decodeFields = context.fileSchema.fields.filter((f) => decodeColumns === undefined || decodeColumns.includes(f.name));
  const { storage, codec } = context;
  const freeBuffers: ArrayBuffer[] = [];
  const load = async (file: PlannedFile): Promise<Loaded> => {
    const reuse = reuseBuffers ? freeBuffers.pop() : undefined;
    // A publish may move the file between our reading the record and fetching it: try the other name too.
    const keys = file.published ? [file.key, file.stagedKey] : [file.stagedKey, file.key];
    // Checked in the codec thread before decoding: a file that is not what its commit says is never decoded.
    const expect = { bytes: file.bytes, sha256: file.sha256 };
    try {
      let reply: DecodeReply;
      if (storage.filePath) {
        reply = await codec.decode({ paths: keys.map((k) => storage.filePath!(k)), expect }, { columns: decodeColumns, batchSize }, reuse);
      } else {
        const bytes = (await storage.get(keys[0]!)) ?? (await storage.get(keys[1]!));
        reply = bytes === undefined ? { missing: true } : await codec.decode({ bytes, expect }, { columns: decodeColumns, batchSize }, reuse);
      }
      if ('missing' in reply) return { file, error: new LakeFileError(storage.url, file.key, file.shardId, 'missing') };
      if ('damaged' in reply) return { file, error: new LakeFileIntegrityError(storage.url, file.key, file.shardId, reply.damaged) };
      return { file, packed: reply };
    } catch (error) {
      return { file, error: new LakeFileError(storage.url, file.key, file.shardId, 'corrupt', { cause: error }) };
    }
  };

  const pending: Promise<Loaded>[] = [];
  let next = 0;
  const fill = () => {
    while (pending.length < context.settings.readAhead && next < files.length) pending.push(load(files[next++]!));
  };
  fill();
  const constants = new ConstantColumns();
  while (pending.length > 0) {
    signal?.throwIfAborted();
    const loaded = await pending.shift()!;
    fill();
    let batches: { length: number; columns: Data[] }[] = [];
    if ('error' in loaded) {
      reportBadFile(options.onBadFile, loaded.error);
    } else {
      batches = unpackBatches(loaded.packed, decodeFields);
      const rows = batches.reduce((sum, b) => sum + b.length, 0);
      if (rows !== loaded.file.rows) {
        reportBadFile(options.onBadFile, new LakeFileError(storage.url, loaded.file.key, loaded.file.shardId, 'row-count', { detail: `${rows} rows, commit says ${loaded.file.rows}` }));
        batches = [];
      }
      meter.add(rows, loaded.file.bytes, 1);
    }
    for (const decoded of batches) {
      const byName = new Map(decodeFields.map((f, i) => [f.name, decoded.columns[i]!]));
      let batch = assemble(decoded.length, byName, loaded.file, outputSchema, context, constants);
      if (rowTimeFilter) {
        batch = filterByTime(batch, byName.get(timeColumn!)! as Data<Timestamp>, filter!.timeFrom, filter!.timeTo);
        if (batch.numRows === 0) continue;
      }
      yield batch;
    }
    if (reuseBuffers && 'packed' in loaded) {
      // Detach every view of this file's batches (they turn empty instead of showing other data), keep the memory.
      freeBuffers.push(structuredClone(loaded.packed.buffer, { transfer: [loaded.packed.buffer] }));
    }
  }
  meter.done();
}

function reportBadFile(policy: ScanOptions['onBadFile'], error: LakeFileError): void {
  if (policy === undefined || policy === 'throw') throw error;
  if (typeof policy === 'function') policy(error);
}

/** Output batch in the requested columns: decoded file columns, and path columns rebuilt from the file's partition. */
function assemble(length: number, decoded: Map<string, Data>, file: PlannedFile, schema: Schema, context: LakeContext, constants: ConstantColumns): RecordBatch {
  const children = schema.fields.map((field) => {
    if (context.pathOnly.has(field.name)) {
      const partition = context.partitioning.find((p) => p.column === field.name)!;
      return constants.column(field, file.partition[partition.name] ?? '', length);
    }
    return decoded.get(field.name)!;
  });
  return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length, nullCount: 0, children }));
}

function filterByTime(batch: RecordBatch, timestamps: Data<Timestamp>, from: number | undefined, to: number | undefined): RecordBatch {
  const times = timestampsAsMs(timestamps);
  const keep = new Uint8Array(times.length);
  const lo = from ?? -Infinity;
  const hi = to ?? Infinity;
  let all = true;
  for (let i = 0; i < times.length; i++) {
    const t = times[i]!;
    const inside = t >= lo && t < hi;
    keep[i] = inside ? 1 : 0;
    all &&= inside;
  }
  return all ? batch : takeRows(batch, maskToIndices(keep));
}

/** Columns holding one value on every row (a partition value), with the dictionary shared per value. */
class ConstantColumns {
  readonly #dictionaries = new Map<string, Vector<Utf8>>();
  readonly #zeroIndices = new Map<unknown, ArrayLike<number> & { subarray(start: number, end: number): unknown }>();

  /**
   * All-zero dictionary indices, shared by every batch (as a view) instead of allocated per batch: a scan
   * allocates enough large buffers already, and each one brings the next full GC closer.
   */
  #zeros(ArrayType: new (length: number) => unknown, length: number): never {
    let zeros = this.#zeroIndices.get(ArrayType);
    if (!zeros || zeros.length < length) {
      zeros = new ArrayType(Math.max(length, 65_536)) as ArrayLike<number> & { subarray(start: number, end: number): unknown };
      this.#zeroIndices.set(ArrayType, zeros);
    }
    return zeros.subarray(0, length) as never;
  }

  column(field: Field, value: string, length: number): Data {
    if (field.type.typeId === Type.Dictionary) {
      let dictionary = this.#dictionaries.get(value);
      if (!dictionary) {
        dictionary = vectorFromArray([value], new Utf8());
        this.#dictionaries.set(value, dictionary);
      }
      return makeData({ type: field.type, length, nullCount: 0, data: this.#zeros(field.type.indices.ArrayType, length), dictionary });
    }
    const bytes = new TextEncoder().encode(value);
    const offsets = new Int32Array(length + 1);
    const data = new Uint8Array(bytes.length * length);
    for (let i = 0; i < length; i++) {
      data.set(bytes, i * bytes.length);
      offsets[i + 1] = (i + 1) * bytes.length;
    }
    return makeData({ type: new Utf8(), length, nullCount: 0, valueOffsets: offsets, data });
  }
}
