/**
 * Baselines a traffic model must beat, computed on the same rows as the model:
 *
 * - **historical average**: the mean of the segment's training readings in the same hour of the same weekday
 *   (falling back to the segment's overall training mean when that cell is empty);
 * - **last value**: the segment's reading just before the predicted moment (the pipelines carry it in
 *   `RowMeta.lastValue`).
 *
 * The historical average is fitted in one streaming pass over the training range; its memory is one
 * 192-cell table per segment (about 1.5 KB), independent of the number of rows.
 */
import { inRange, targetOf, type Target, type TimeRange } from '../input/features.ts';
import { batchesOf, sampleColumns, type SampleChunk } from '../input/sample-columns.ts';

/** Cells per segment: `hour * 8 + dayOfWeek`, hour 0–23, ISO day 1–7. */
const CELLS = 24 * 8;

export class HistoricalAverage {
  private readonly sums = new Map<string, Float64Array>();
  private readonly counts = new Map<string, Uint32Array>();
  rows = 0;

  add(segment: string, hourDow: number, value: number): void {
    let sum = this.sums.get(segment);
    let count = this.counts.get(segment);
    if (!sum || !count) {
      sum = new Float64Array(CELLS);
      count = new Uint32Array(CELLS);
      this.sums.set(segment, sum);
      this.counts.set(segment, count);
    }
    sum[hourDow]! += value;
    count[hourDow]!++;
    this.rows++;
  }

  /** NaN when the segment was never seen in training. */
  predict(segment: string, hourDow: number): number {
    const sum = this.sums.get(segment);
    const count = this.counts.get(segment);
    if (!sum || !count) return Number.NaN;
    if (count[hourDow]! > 0) return sum[hourDow]! / count[hourDow]!;
    let s = 0;
    let c = 0;
    for (let i = 0; i < CELLS; i++) {
      s += sum[i]!;
      c += count[i]!;
    }
    return c > 0 ? s / c : Number.NaN;
  }

  get segments(): number {
    return this.sums.size;
  }
}

/** Fits the historical average of `target` over the rows of `range`. */
export async function fitHistoricalAverage(
  data: AsyncIterable<SampleChunk>,
  target: Target,
  range?: TimeRange,
): Promise<HistoricalAverage> {
  const ha = new HistoricalAverage();
  for await (const chunk of data) {
    for (const batch of batchesOf(chunk)) {
      const cols = sampleColumns(batch);
      for (let i = 0; i < cols.numRows; i++) {
        if (!inRange(cols.timestamp[i]!, range)) continue;
        const v = targetOf(cols, i, target);
        if (!Number.isFinite(v)) continue;
        ha.add(cols.segmentId(i), cols.hour[i]! * 8 + cols.dayOfWeek[i]!, v);
      }
    }
  }
  return ha;
}
