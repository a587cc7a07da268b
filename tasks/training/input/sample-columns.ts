/**
 * Typed, zero-copy access to the canonical sample columns of one Arrow record batch.
 *
 * Training touches every row of a billion-sample lake, so features are built from the column buffers
 * directly (`Data.values`, already offset-adjusted for sliced batches) rather than through `Vector.get(i)`,
 * which allocates per call. Dictionary columns keep their indices plus the batch's dictionary.
 */
import { DataType, type RecordBatch, type Table, type Vector } from 'apache-arrow';
import { FeatureSchemaError } from '../errors.ts';

export interface DictColumn {
  /** Per-row index into `dictionary`. */
  indices: Int32Array | Int16Array | Int8Array | Uint32Array | Uint16Array | Uint8Array;
  dictionary: string[];
}

export interface SampleColumns {
  numRows: number;
  /** Milliseconds since the epoch, UTC. */
  timestamp: Float64Array;
  city: DictColumn;
  segmentId: (i: number) => string;
  lat: Float64Array | Float32Array;
  lon: Float64Array | Float32Array;
  roadClass: DictColumn;
  hour: ArrayLike<number>;
  dayOfWeek: ArrayLike<number>;
  freeFlowSpeedKmh: ArrayLike<number>;
  currentSpeedKmh: ArrayLike<number>;
  congestion: ArrayLike<number>;
}

/** Input accepted wherever training reads data: batches or whole tables in the canonical schema. */
export type SampleChunk = RecordBatch | Table;

/** The record batches of a chunk, without copying. */
export function batchesOf(chunk: SampleChunk): RecordBatch[] {
  return 'batches' in chunk ? chunk.batches : [chunk];
}

function child(batch: RecordBatch, name: string): Vector {
  const col = batch.getChild(name);
  if (!col) throw new FeatureSchemaError(name, 'is missing');
  return col;
}

function numeric(batch: RecordBatch, name: string): ArrayLike<number> & { length: number } {
  const col = child(batch, name);
  if (!DataType.isFloat(col.type) && !DataType.isInt(col.type)) {
    throw new FeatureSchemaError(name, `has type ${String(col.type)}, expected a number`);
  }
  const values = col.data[0]!.values as ArrayLike<number | bigint> & { length: number };
  if (values instanceof BigInt64Array || values instanceof BigUint64Array) return Float64Array.from(values, Number);
  return values as ArrayLike<number> & { length: number };
}

function dictionary(batch: RecordBatch, name: string): DictColumn {
  const col = child(batch, name);
  const data = col.data[0]!;
  if (DataType.isDictionary(col.type)) {
    return { indices: data.values as DictColumn['indices'], dictionary: data.dictionary!.toArray() as string[] };
  }
  if (DataType.isUtf8(col.type)) {
    // A plain string column (e.g. from a CSV import): build a dictionary once per batch.
    const seen = new Map<string, number>();
    const indices = new Int32Array(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) {
      const v = String(col.get(i));
      let k = seen.get(v);
      if (k === undefined) seen.set(v, (k = seen.size));
      indices[i] = k;
    }
    return { indices, dictionary: [...seen.keys()] };
  }
  throw new FeatureSchemaError(name, `has type ${String(col.type)}, expected dictionary<utf8> or utf8`);
}

function timestamps(batch: RecordBatch): Float64Array {
  const col = child(batch, 'timestamp');
  if (!DataType.isTimestamp(col.type) && !DataType.isInt(col.type) && !DataType.isFloat(col.type)) {
    throw new FeatureSchemaError('timestamp', `has type ${String(col.type)}, expected timestamp[ms]`);
  }
  const values = col.data[0]!.values as ArrayLike<number | bigint>;
  if (values instanceof Float64Array) return values;
  if (values instanceof BigInt64Array) return int64ToNumbers(values.subarray(0, batch.numRows));
  const out = new Float64Array(batch.numRows);
  for (let i = 0; i < out.length; i++) out[i] = Number(values[i]);
  return out;
}

const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * 64-bit integers (epoch milliseconds) as doubles. They fit in 53 bits, so the two 32-bit halves are combined
 * instead of converting a BigInt per row, which was a tenth of the training input pipeline.
 */
export function int64ToNumbers(values: BigInt64Array): Float64Array {
  const out = new Float64Array(values.length);
  if (!LITTLE_ENDIAN) {
    for (let i = 0; i < out.length; i++) out[i] = Number(values[i]);
    return out;
  }
  const words = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
  for (let i = 0; i < out.length; i++) out[i] = words[2 * i + 1]! * 4_294_967_296 + (words[2 * i]! >>> 0);
  return out;
}

/** Reads the columns training needs from one batch, validating names and types. */
export function sampleColumns(batch: RecordBatch): SampleColumns {
  const segment = child(batch, 'segment_id');
  return {
    numRows: batch.numRows,
    timestamp: timestamps(batch),
    city: dictionary(batch, 'city'),
    segmentId: (i) => String(segment.get(i)),
    lat: numeric(batch, 'lat') as Float64Array,
    lon: numeric(batch, 'lon') as Float64Array,
    roadClass: dictionary(batch, 'road_class'),
    hour: numeric(batch, 'hour'),
    dayOfWeek: numeric(batch, 'day_of_week'),
    freeFlowSpeedKmh: numeric(batch, 'free_flow_speed_kmh'),
    currentSpeedKmh: numeric(batch, 'current_speed_kmh'),
    congestion: numeric(batch, 'congestion'),
  };
}
