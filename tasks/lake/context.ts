/**
 * What the writer, reader and describers of one open lake share: storage, schemas, partitioning, codec and
 * compiled settings. Built once by `openLake`; internals trust it.
 */
import { Field, makeData, RecordBatch, Schema, Struct, Type, Utf8, vectorFromArray, type Data, type Dictionary } from 'apache-arrow';
import type { ObjectStorage } from '../../cluster/storage/index.ts';
import type { ParquetCodec } from './parquet/codec.ts';
import type { CompressionName, EncodeSettings } from './parquet/encode.ts';
import type { PartitionField } from './partitioning.ts';

/** Structured logger; pino's child loggers fit. Messages are short constants, data goes in the first argument. */
export interface LakeLogger {
  info(data: object, message: string): void;
  warn(data: object, message: string): void;
}

export interface LakeSettings {
  compression: CompressionName;
  rowGroupSize: number;
  maxRowsPerFile: number;
  maxBufferedRows: number;
  dictionaryColumns: string[];
  statisticsColumns: string[];
  readAhead: number;
  stagingGraceMs: number;
}

export interface LakeContext {
  storage: ObjectStorage;
  /** The full schema of rows written and read. */
  schema: Schema;
  partitioning: readonly PartitionField[];
  /** Columns stored only in paths (identity partitions). */
  pathOnly: ReadonlySet<string>;
  /** `schema` without the path-only columns: what Parquet files hold. */
  fileSchema: Schema;
  /** For each field of `fileSchema`, its index in `schema`. */
  fileColumnIndex: number[];
  settings: LakeSettings;
  encodeSettings: EncodeSettings;
  codec: ParquetCodec;
  logger?: LakeLogger;
  /** Writes `_lake.json` once, before the first shard. */
  ensureDescriptor(): Promise<void>;
}

export function fileSchemaOf(schema: Schema, pathOnly: ReadonlySet<string>): { fileSchema: Schema; fileColumnIndex: number[] } {
  const fileColumnIndex: number[] = [];
  const fields: Field[] = [];
  schema.fields.forEach((field, i) => {
    if (pathOnly.has(field.name)) return;
    fileColumnIndex.push(i);
    fields.push(field);
  });
  return { fileSchema: new Schema(fields, schema.metadata), fileColumnIndex };
}

/**
 * The file columns of a batch, typed exactly as the lake schema (batches built from another instance of an
 * equal schema carry other dictionary ids) and with single-chunk dictionaries (a chunked dictionary would be
 * written as an IPC delta dictionary, which the Rust reader inside parquet-wasm does not accept).
 */
export function toFileBatch(batch: RecordBatch, context: Pick<LakeContext, 'fileSchema' | 'fileColumnIndex'>): RecordBatch {
  const children = context.fileColumnIndex.map((sourceIndex, i) => {
    const field = context.fileSchema.fields[i]!;
    let data = batch.data.children[sourceIndex]!;
    if (data.typeId === Type.Dictionary && data.dictionary && data.dictionary.data.length > 1) {
      const valueType = (field.type as Dictionary).dictionary;
      const merged = valueType.typeId === Type.Utf8 ? vectorFromArray(data.dictionary.toArray() as string[], new Utf8()) : data.dictionary;
      data = makeData({ type: field.type as Dictionary, offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, data: data.values as Int32Array, dictionary: merged });
    }
    return data.type === field.type ? data : (data.clone(field.type) as Data);
  });
  const struct = makeData({ type: new Struct(context.fileSchema.fields), length: batch.numRows, nullCount: 0, children });
  return new RecordBatch(context.fileSchema, struct);
}
