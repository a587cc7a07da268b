/**
 * The 16 MLP features of a sample and its training target.
 *
 * Time is encoded as sine/cosine pairs so 23:55 sits next to 00:05, with a second harmonic of the hour because
 * traffic has two rush hours a day; the week position also carries the hour so Friday evening and Saturday
 * morning differ smoothly. Road class is one-hot over the classes that differ most in speed. Everything is
 * z-scored afterwards by the fitted {@link Normalizer}, so raw units (km/h, degrees) are fine here.
 *
 * Rows whose target or time is not finite are skipped and counted, never fed to the optimiser. A sample
 * without coordinates or a free-flow speed (a sensor dataset imported without them) reads 0 there: its place
 * features say nothing, and its time features and history still do (a lake with no coordinates at all gets a
 * constant column, which the normaliser passes through centred).
 */
import type { SampleColumns } from './sample-columns.ts';

export const MLP_FEATURES = [
  'hour_sin',
  'hour_cos',
  'hour2_sin',
  'hour2_cos',
  'week_sin',
  'week_cos',
  'weekend',
  'class_motorway',
  'class_trunk',
  'class_primary',
  'class_secondary',
  'class_tertiary',
  'class_minor',
  'free_flow_speed_kmh',
  'lat',
  'lon',
] as const;
export const MLP_FEATURE_COUNT = MLP_FEATURES.length;

/** What the model predicts for a sample. */
export type Target = 'speed' | 'congestion';

const ROAD_CLASS_SLOT: Record<string, number> = {
  motorway: 0,
  motorway_link: 0,
  trunk: 1,
  trunk_link: 1,
  primary: 2,
  primary_link: 2,
  secondary: 3,
  secondary_link: 3,
  tertiary: 4,
  tertiary_link: 4,
};
const MINOR_SLOT = 5;
const TWO_PI = 2 * Math.PI;

/** Hour of day with minutes as a fraction: `hour` is local time, and the minutes of UTC equal local minutes. */
export function fractionalHour(hour: number, timestampMs: number): number {
  return hour + (Math.floor(timestampMs / 60_000) % 60) / 60;
}

/** Writes the 16 features of one sample at `out[offset..offset+16)`. */
export function encodeMlpFeatures(
  out: Float32Array,
  offset: number,
  s: {
    hour: number;
    dayOfWeek: number;
    timestampMs: number;
    roadClass: string;
    freeFlowSpeedKmh: number;
    lat: number;
    lon: number;
  },
): void {
  writeFeatures(out, offset, s.hour, s.dayOfWeek, s.timestampMs, roadClassSlot(s.roadClass), s.freeFlowSpeedKmh, s.lat, s.lon);
}

/** The one-hot slot of a road class (minor roads share the last). */
function roadClassSlot(roadClass: string): number {
  return ROAD_CLASS_SLOT[roadClass] ?? MINOR_SLOT;
}

/** {@link encodeMlpFeatures} with the road class already turned into its slot and no object per row. */
function writeFeatures(out: Float32Array, offset: number, hour: number, dayOfWeek: number, timestampMs: number, slot: number, freeFlowSpeedKmh: number, lat: number, lon: number): void {
  const h = fractionalHour(hour, timestampMs);
  const dayAngle = (TWO_PI * h) / 24;
  const weekAngle = (TWO_PI * (dayOfWeek - 1 + h / 24)) / 7;
  out[offset] = Math.sin(dayAngle);
  out[offset + 1] = Math.cos(dayAngle);
  out[offset + 2] = Math.sin(2 * dayAngle);
  out[offset + 3] = Math.cos(2 * dayAngle);
  out[offset + 4] = Math.sin(weekAngle);
  out[offset + 5] = Math.cos(weekAngle);
  out[offset + 6] = dayOfWeek >= 6 ? 1 : 0;
  for (let k = 0; k < 6; k++) out[offset + 7 + k] = 0;
  out[offset + 7 + slot] = 1;
  out[offset + 13] = Number.isFinite(freeFlowSpeedKmh) ? freeFlowSpeedKmh : 0;
  out[offset + 14] = Number.isFinite(lat) ? lat : 0;
  out[offset + 15] = Number.isFinite(lon) ? lon : 0;
}

export function targetOf(cols: SampleColumns, i: number, target: Target): number {
  return target === 'speed' ? cols.currentSpeedKmh[i]! : cols.congestion[i]!;
}

export interface EncodedRows {
  /** Row-major features, `count × 16`. */
  x: Float32Array;
  y: Float32Array;
  /** Index in the source batch of each encoded row, for joining back city, segment and time. */
  rowIndex: Uint32Array;
  count: number;
  /** Rows in range that were dropped for a non-finite input or target. */
  skipped: number;
}

/** Time range `[from, to)` in ms since the epoch; either side open when absent. */
export interface TimeRange {
  from?: number;
  to?: number;
}

export function inRange(t: number, range: TimeRange | undefined): boolean {
  return !range || ((range.from === undefined || t >= range.from) && (range.to === undefined || t < range.to));
}

/** Encodes the rows of a batch that fall in `range` (all rows when absent). */
export function encodeMlpRows(cols: SampleColumns, target: Target, range?: TimeRange): EncodedRows {
  const n = cols.numRows;
  const x = new Float32Array(n * MLP_FEATURE_COUNT);
  const y = new Float32Array(n);
  const rowIndex = new Uint32Array(n);
  let count = 0;
  let skipped = 0;
  const rc = cols.roadClass;
  // One lookup per dictionary entry, not per row.
  const slots = Uint8Array.from(rc.dictionary, roadClassSlot);
  for (let i = 0; i < n; i++) {
    const t = cols.timestamp[i]!;
    if (!inRange(t, range)) continue;
    const yi = targetOf(cols, i, target);
    const ffs = cols.freeFlowSpeedKmh[i]!;
    const lat = cols.lat[i]!;
    const lon = cols.lon[i]!;
    if (!Number.isFinite(yi)) {
      skipped++;
      continue;
    }
    writeFeatures(x, count * MLP_FEATURE_COUNT, cols.hour[i]!, cols.dayOfWeek[i]!, t, slots[rc.indices[i]!]!, ffs, lat, lon);
    y[count] = yi;
    rowIndex[count] = i;
    count++;
  }
  return {
    x: x.subarray(0, count * MLP_FEATURE_COUNT),
    y: y.subarray(0, count),
    rowIndex: rowIndex.subarray(0, count),
    count,
    skipped,
  };
}
