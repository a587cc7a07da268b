/**
 * Decoded columns moved from a codec thread to the caller in one ArrayBuffer.
 *
 * parquet-wasm decodes into WebAssembly memory. Its IPC export serialises there and then copies the result
 * out (two copies), and the receiver parses IPC messages again. Here the decoded arrays are read in place
 * through the Arrow C data interface (`arrow-js-ffi`, views, no copy), copied once into a single buffer per
 * file, transferred, and turned back into `Data` as typed-array views with the lake's own field types. One
 * buffer per file also means one large allocation for the garbage collector to track instead of dozens.
 */
import { Data, makeVector, type DataType, type Field, type RecordBatch, type Vector } from 'apache-arrow';

/** Byte range of one buffer inside the packed buffer, or -1 when the array has no such buffer. */
type Range = [offset: number, byteLength: number];

export interface PackedColumn {
  offset: number;
  length: number;
  nullCount: number;
  valueOffsets: Range | -1;
  values: Range | -1;
  nullBitmap: Range | -1;
  /** Index into `PackedFile.dictionaries`, for dictionary-encoded columns. */
  dictionary?: number;
}

export interface PackedFile {
  buffer: ArrayBuffer;
  /** Column names, in the order of each batch's `columns`. */
  names: string[];
  batches: { length: number; columns: PackedColumn[] }[];
  /** Dictionaries, shared between the batches that reference the same one. */
  dictionaries: PackedColumn[];
}

const ALIGN = 8;
const align = (n: number) => (n + ALIGN - 1) & ~(ALIGN - 1);

/**
 * Copies the buffers of `batches` (typically views into WebAssembly memory) into one ArrayBuffer: `reuse`
 * when it is large enough (a scan recycling its buffers), else a new one.
 */
export function packBatches(batches: readonly RecordBatch[], reuse?: ArrayBuffer): PackedFile {
  const names = batches[0]?.schema.names.map(String) ?? [];
  // First pass: sizes, with dictionaries that are the very same array counted once.
  const dictionaryIndex = new Map<unknown, number>();
  const dictionaryData: Data[] = [];
  let size = 0;
  const sizeOf = (data: Data) => {
    for (const buffer of [data.valueOffsets, data.values, data.nullBitmap] as (ArrayBufferView | undefined)[]) {
      if (buffer && buffer.byteLength > 0) size += align(buffer.byteLength);
    }
  };
  for (const batch of batches) {
    for (const data of batch.data.children) {
      sizeOf(data);
      const dictionary = data.dictionary?.data[0];
      if (dictionary && !dictionaryIndex.has(dictionaryKey(dictionary))) {
        dictionaryIndex.set(dictionaryKey(dictionary), dictionaryData.length);
        dictionaryData.push(dictionary);
        sizeOf(dictionary);
      }
    }
  }
  const buffer = reuse && reuse.byteLength >= size ? reuse : new ArrayBuffer(size);
  const bytes = new Uint8Array(buffer);
  let cursor = 0;
  const put = (view: ArrayBufferView | undefined): Range | -1 => {
    if (!view || view.byteLength === 0) return -1;
    bytes.set(new Uint8Array(view.buffer, view.byteOffset, view.byteLength), cursor);
    const range: Range = [cursor, view.byteLength];
    cursor += align(view.byteLength);
    return range;
  };
  const pack = (data: Data): PackedColumn => ({
    offset: data.offset,
    length: data.length,
    nullCount: data.nullCount,
    valueOffsets: put(data.valueOffsets as ArrayBufferView | undefined),
    values: put(data.values as ArrayBufferView | undefined),
    nullBitmap: put(data.nullBitmap as ArrayBufferView | undefined),
  });
  const dictionaries = dictionaryData.map(pack);
  const packed = batches.map((batch) => ({
    length: batch.numRows,
    columns: batch.data.children.map((data) => {
      const column = pack(data);
      const dictionary = data.dictionary?.data[0];
      if (dictionary) column.dictionary = dictionaryIndex.get(dictionaryKey(dictionary))!;
      return column;
    }),
  }));
  return { buffer, names, batches: packed, dictionaries };
}

/** The same array, as far as its values buffer shows (views into Wasm memory are new objects each time). */
function dictionaryKey(data: Data): unknown {
  const values = data.values as ArrayBufferView | undefined;
  return values ? `${values.byteOffset}:${values.byteLength}:${data.length}` : data;
}

/**
 * Rebuilds column data from a packed file, typed by `fields` (looked up by name), as views on its buffer.
 * Returns, per batch, the columns in the order of `fields`.
 */
export function unpackBatches(file: PackedFile, fields: readonly Field[]): { length: number; columns: Data[] }[] {
  const dictionaries = new Map<number, Vector>();
  const positions = fields.map((field) => {
    const index = file.names.indexOf(field.name);
    if (index < 0) throw new Error(`decoded file has no column ${JSON.stringify(field.name)} (it has ${file.names.join(', ')})`);
    return index;
  });
  const dictionaryOf = (index: number, type: DataType): Vector => {
    let vector = dictionaries.get(index);
    if (!vector) {
      vector = makeVector(toData(file, file.dictionaries[index]!, type));
      dictionaries.set(index, vector);
    }
    return vector;
  };
  return file.batches.map((batch) => ({
    length: batch.length,
    columns: fields.map((field, i) => {
      const column = batch.columns[positions[i]!]!;
      const dictionary = column.dictionary === undefined ? undefined : dictionaryOf(column.dictionary, (field.type as { dictionary: DataType }).dictionary);
      return toData(file, column, field.type, dictionary);
    }),
  }));
}

function toData(file: PackedFile, column: PackedColumn, type: DataType, dictionary?: Vector): Data {
  const view = <T>(range: Range | -1, Ctor: { new (buffer: ArrayBuffer, offset: number, length: number): T; BYTES_PER_ELEMENT: number }): T | undefined =>
    range === -1 ? undefined : new Ctor(file.buffer, range[0], range[1] / Ctor.BYTES_PER_ELEMENT);
  const ValuesType = (dictionary ? (type as unknown as { indices: DataType }).indices.ArrayType : type.ArrayType) as never;
  const OffsetsType = ((type as unknown as { OffsetArrayType?: unknown }).OffsetArrayType ?? Int32Array) as never;
  const buffers = [view(column.valueOffsets, OffsetsType), view(column.values, ValuesType), view(column.nullBitmap, Uint8Array)];
  return new Data(type, column.offset, column.length, column.nullCount, buffers as never, [], dictionary);
}
