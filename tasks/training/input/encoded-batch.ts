/**
 * What a feature pipeline's encoder makes of one sample batch: row-major inputs and targets, and (for
 * validation) what each row is about. Apart from the pipelines so that the encoders (sequence-windows.ts)
 * and the readers of rows (row-stream.ts, evaluate.ts) share the shape without importing each other.
 */
import type { RecordBatch } from 'apache-arrow';

export interface RowMeta {
  city: string[];
  segment: string[];
  /** Per output: `hour * 8 + dayOfWeek` of the target moment (the key of the historical average). */
  targetHourDow: Int16Array;
  /** The segment's reading just before the predicted moment (NaN when unknown). */
  lastValue: Float32Array;
  /** Timestamp of each row (the sample's, or the last history reading's for sequences). */
  timestamp: Float64Array;
}

export interface EncodedBatch {
  /** Row-major inputs, `count × inputWidth`. */
  x: Float32Array;
  /** Row-major targets, `count × targetWidth`. */
  y: Float32Array;
  count: number;
  /** Rows dropped for non-finite values. */
  skipped: number;
  meta?: RowMeta;
}

export type Encoder = (batch: RecordBatch) => EncodedBatch;
