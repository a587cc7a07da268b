/**
 * Sliding windows over each segment's readings for the sequence model, built while streaming.
 *
 * Readings are placed on five-minute slots. A segment keeps a ring of its last `steps + maxHorizon` slots;
 * once that many consecutive slots are filled, the slot `maxHorizon` back becomes an example: its previous
 * `steps` readings are the input, the readings 15/30/60 minutes after it the targets. A gap or an out-of-order
 * reading restarts the segment's window rather than bridging it with a guess. Memory is bounded by segments,
 * not rows: a few hundred bytes per segment.
 *
 * An example belongs to a time range only if its whole span — first input reading to last target — lies inside,
 * so training and validation never share a reading across the split boundary.
 *
 * With a sensor graph (the graph model), each step carries two values: the segment's reading and the weighted
 * mean of its neighbours' readings in the same slot (a first-order graph convolution, as T-GCN's input), or
 * the segment's own reading where no neighbour has one. Neighbours are read from their own rings, so the
 * readings of one slot must arrive before those `maxHorizon` slots later: time-major order within a
 * partition, as collect and a wide import write it. `neighbourGaps` counts the steps that had no neighbour.
 */
import { MLP_FEATURE_COUNT, encodeMlpFeatures, inRange, targetOf, type Target, type TimeRange } from './features.ts';
import type { EncodedBatch, RowMeta } from './encoded-batch.ts';
import type { SampleColumns } from './sample-columns.ts';

export const SLOT_MS = 5 * 60_000;

interface SegmentState {
  lastSlot: number;
  filled: number;
  values: Float32Array;
  hourDow: Int16Array;
  hours: Int8Array;
  days: Int8Array;
  timestamps: Float64Array;
  city: string;
  roadClass: string;
  freeFlowSpeedKmh: number;
  lat: number;
  lon: number;
}

/** Each sensor's neighbours with their weights (an adjacency row; the weights need not sum to 1). */
export type NeighbourMap = ReadonlyMap<string, readonly { readonly sensor: string; readonly weight: number }[]>;

export interface SequenceWindowOptions {
  steps: number;
  /** Adds each step's neighbour mean (see above). */
  graph?: NeighbourMap;
  horizonsMin: readonly number[];
  target: Target;
  range?: TimeRange;
  withMeta: boolean;
}

export class SequenceWindows {
  private readonly segments = new Map<string, SegmentState>();
  private readonly horizonSlots: number[];
  private readonly span: number;
  /** Readings dropped because they repeat or precede the segment's latest slot. */
  outOfOrder = 0;
  /** Steps of graph examples whose neighbours had no reading in that slot (their own reading stood in). */
  neighbourGaps = 0;

  constructor(private readonly options: SequenceWindowOptions) {
    this.horizonSlots = options.horizonsMin.map((m) => {
      if (!(m > 0) || m % 5 !== 0) throw new RangeError(`horizon ${m} min is not a positive multiple of 5 minutes`);
      return m / 5;
    });
    this.span = options.steps + Math.max(...this.horizonSlots);
  }

  /** Consumes one batch of readings and returns the examples it completed. */
  push(cols: SampleColumns): EncodedBatch {
    const { steps, target, range, withMeta } = this.options;
    const stepSize = this.options.graph ? 2 : 1;
    const width = steps * stepSize + MLP_FEATURE_COUNT;
    const outs = this.horizonSlots.length;
    const maxH = Math.max(...this.horizonSlots);
    const n = cols.numRows;
    const x = new Float32Array(n * width);
    const y = new Float32Array(n * outs);
    const meta: RowMeta | undefined = withMeta
      ? {
          city: [],
          segment: [],
          targetHourDow: new Int16Array(n * outs),
          lastValue: new Float32Array(n),
          timestamp: new Float64Array(n),
        }
      : undefined;
    let count = 0;
    let skipped = 0;
    for (let i = 0; i < n; i++) {
      const value = targetOf(cols, i, target);
      const ts = cols.timestamp[i]!;
      if (!Number.isFinite(value) || !Number.isFinite(ts)) {
        skipped++;
        continue;
      }
      const segment = cols.segmentId(i);
      const st = this.state(segment, cols, i);
      const slot = Math.floor(ts / SLOT_MS);
      if (st.filled > 0 && slot <= st.lastSlot) {
        this.outOfOrder++;
        continue;
      }
      if (st.filled > 0 && slot !== st.lastSlot + 1) st.filled = 0;
      const at = ((slot % this.span) + this.span) % this.span;
      st.values[at] = value;
      st.hours[at] = cols.hour[i]!;
      st.days[at] = cols.dayOfWeek[i]!;
      st.hourDow[at] = cols.hour[i]! * 8 + cols.dayOfWeek[i]!;
      st.timestamps[at] = ts;
      st.lastSlot = slot;
      st.filled = Math.min(st.filled + 1, this.span);
      if (st.filled < this.span) continue;

      const anchor = slot - maxH;
      const ring = (s: number) => ((s % this.span) + this.span) % this.span;
      if (!inRange(st.timestamps[ring(anchor - steps + 1)]!, range) || !inRange(ts, range)) continue;
      const xo = count * width;
      if (stepSize === 1) for (let k = 0; k < steps; k++) x[xo + k] = st.values[ring(anchor - steps + 1 + k)]!;
      else {
        for (let k = 0; k < steps; k++) {
          const own = st.values[ring(anchor - steps + 1 + k)]!;
          x[xo + 2 * k] = own;
          x[xo + 2 * k + 1] = this.neighbourMean(segment, anchor - steps + 1 + k, own);
        }
      }
      const a = ring(anchor);
      encodeMlpFeatures(x, xo + steps * stepSize, {
        hour: st.hours[a]!,
        dayOfWeek: st.days[a]!,
        timestampMs: st.timestamps[a]!,
        roadClass: st.roadClass,
        freeFlowSpeedKmh: st.freeFlowSpeedKmh,
        lat: st.lat,
        lon: st.lon,
      });
      for (let h = 0; h < outs; h++) {
        const t = ring(anchor + this.horizonSlots[h]!);
        y[count * outs + h] = st.values[t]!;
        if (meta) meta.targetHourDow[count * outs + h] = st.hourDow[t]!;
      }
      if (meta) {
        meta.city.push(st.city);
        meta.segment.push(segment);
        meta.lastValue[count] = st.values[a]!;
        meta.timestamp[count] = st.timestamps[a]!;
      }
      count++;
    }
    if (meta) {
      meta.targetHourDow = meta.targetHourDow.subarray(0, count * outs);
      meta.lastValue = meta.lastValue.subarray(0, count);
      meta.timestamp = meta.timestamp.subarray(0, count);
    }
    return { x: x.subarray(0, count * width), y: y.subarray(0, count * outs), count, skipped, meta };
  }

  /** The weighted mean of the neighbours' readings in `slot`, or `own` when none has one. */
  private neighbourMean(segment: string, slot: number, own: number): number {
    let sum = 0;
    let weights = 0;
    for (const n of this.options.graph!.get(segment) ?? []) {
      const st = this.segments.get(n.sensor);
      // A neighbour's reading of `slot` is in its ring while the slot is within its latest run of readings.
      if (!st || slot > st.lastSlot || slot <= st.lastSlot - st.filled) continue;
      sum += n.weight * st.values[((slot % this.span) + this.span) % this.span]!;
      weights += n.weight;
    }
    if (weights > 0) return sum / weights;
    this.neighbourGaps++;
    return own;
  }

  private state(segment: string, cols: SampleColumns, i: number): SegmentState {
    let st = this.segments.get(segment);
    if (!st) {
      st = {
        lastSlot: -1,
        filled: 0,
        values: new Float32Array(this.span),
        hourDow: new Int16Array(this.span),
        hours: new Int8Array(this.span),
        days: new Int8Array(this.span),
        timestamps: new Float64Array(this.span),
        city: cols.city.dictionary[cols.city.indices[i]!]!,
        roadClass: cols.roadClass.dictionary[cols.roadClass.indices[i]!]!,
        freeFlowSpeedKmh: cols.freeFlowSpeedKmh[i]!,
        lat: cols.lat[i]!,
        lon: cols.lon[i]!,
      };
      this.segments.set(segment, st);
    }
    return st;
  }
}
