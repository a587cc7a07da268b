/**
 * Row selection ("take") for Arrow JS record batches: a new batch holding the rows at `indices`, in that order.
 *
 * Arrow JS has no compute kernels, and the lake needs exactly this one twice: to split a mixed batch into its
 * partitions on write and to apply row filters on read. It copies buffers type by type (fixed width with any
 * stride, booleans, UTF-8/binary with offsets, dictionaries by their indices, validity bitmaps) and refuses
 * nested types with a clear error rather than guessing.
 */
import { Data, makeData, RecordBatch, Struct, Type, type DataType } from 'apache-arrow';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';

export class UnsupportedColumnTypeError extends TrafficError {
  override readonly name = 'UnsupportedColumnTypeError';
  constructor(
    readonly column: string,
    readonly type: string,
    readonly operation: string,
  ) {
    super(
      `Column ${JSON.stringify(column)} has type ${type}, which ${operation} does not support. ` +
        'Use fixed-width numbers, booleans, timestamps/dates, utf8/binary or dictionary<utf8> columns.',
    );
  }
}

/** Rows of `batch` at `indices` (0-based, any order, repeats allowed) as a new batch with the same schema. */
export function takeRows(batch: RecordBatch, indices: Int32Array): RecordBatch {
  const children = batch.schema.fields.map((field, i) => takeData(batch.data.children[i]!, indices, field.name));
  const struct = makeData({ type: new Struct(batch.schema.fields), length: indices.length, nullCount: 0, children });
  return new RecordBatch(batch.schema, struct);
}

/** Indices of the rows where `keep[i]` is non-zero. */
export function maskToIndices(keep: Uint8Array): Int32Array {
  let count = 0;
  for (let i = 0; i < keep.length; i++) count += keep[i]! === 0 ? 0 : 1;
  const out = new Int32Array(count);
  for (let i = 0, j = 0; i < keep.length; i++) if (keep[i] !== 0) out[j++] = i;
  return out;
}

export function takeData(data: Data, indices: Int32Array, column = '(column)'): Data {
  const n = indices.length;
  const { nullBitmap, nullCount } = takeValidity(data, indices);
  const type = data.type as DataType;
  switch (data.typeId) {
    case Type.Int:
    case Type.Float:
    case Type.Decimal:
    case Type.Date:
    case Type.Time:
    case Type.Timestamp:
    case Type.Interval:
    case Type.Duration:
    case Type.FixedSizeBinary:
    case Type.Dictionary: {
      const values = takeFixedWidth(data.values as ArrayLike<number> & TypedArrayLike, data.stride, indices);
      return new Data(type, 0, n, nullCount, [undefined, values, nullBitmap], [], data.dictionary);
    }
    case Type.Bool: {
      const out = new Uint8Array((n + 7) >> 3);
      const src = data.values as Uint8Array;
      for (let i = 0; i < n; i++) {
        const bit = data.offset + indices[i]!;
        if ((src[bit >> 3]! >> (bit & 7)) & 1) out[i >> 3]! |= 1 << (i & 7);
      }
      return new Data(type, 0, n, nullCount, [undefined, out, nullBitmap]);
    }
    case Type.Utf8:
    case Type.Binary: {
      const offsets = data.valueOffsets as Int32Array;
      const src = data.values as Uint8Array;
      const outOffsets = new Int32Array(n + 1);
      let total = 0;
      for (let i = 0; i < n; i++) {
        const r = indices[i]!;
        total += offsets[r + 1]! - offsets[r]!;
        outOffsets[i + 1] = total;
      }
      const out = new Uint8Array(total);
      for (let i = 0; i < n; i++) {
        const r = indices[i]!;
        const start = offsets[r]!;
        const end = offsets[r + 1]!;
        // Short strings (segment ids) copy faster byte by byte than through subarray+set.
        if (end - start <= 32) {
          let o = outOffsets[i]!;
          for (let p = start; p < end; p++) out[o++] = src[p]!;
        } else {
          out.set(src.subarray(start, end), outOffsets[i]!);
        }
      }
      return new Data(type, 0, n, nullCount, [outOffsets, out, nullBitmap]);
    }
    case Type.Null:
      return new Data(type, 0, n, n);
    default:
      throw new UnsupportedColumnTypeError(column, String(type), 'row selection');
  }
}

type TypedArrayLike = { length: number; constructor: new (length: number) => unknown };

function takeFixedWidth(values: ArrayLike<number> & TypedArrayLike, stride: number, indices: Int32Array): unknown {
  const n = indices.length;
  const Ctor = values.constructor as new (length: number) => { [i: number]: unknown };
  const out = new Ctor(n * stride);
  const src = values as unknown as { [i: number]: unknown };
  if (stride === 1) {
    for (let i = 0; i < n; i++) out[i] = src[indices[i]!];
  } else {
    for (let i = 0; i < n; i++) {
      const from = indices[i]! * stride;
      const to = i * stride;
      for (let s = 0; s < stride; s++) out[to + s] = src[from + s];
    }
  }
  return out;
}

function takeValidity(data: Data, indices: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) {
    return { nullBitmap: undefined, nullCount: 0 };
  }
  const n = indices.length;
  const src = data.nullBitmap;
  const out = new Uint8Array((n + 7) >> 3);
  let valid = 0;
  for (let i = 0; i < n; i++) {
    const bit = data.offset + indices[i]!;
    if ((src[bit >> 3]! >> (bit & 7)) & 1) {
      out[i >> 3]! |= 1 << (i & 7);
      valid++;
    }
  }
  return { nullBitmap: out, nullCount: n - valid };
}

registerTrafficErrors(UnsupportedColumnTypeError);
