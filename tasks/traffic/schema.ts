/**
 * The canonical traffic sample: one reading of one road segment at one instant.
 *
 * Every source (synthetic, OSM-backed synthetic, TomTom, HERE, Mapbox, historical import) produces Arrow
 * record batches in exactly this schema, the lake stores it, and training reads it. Units are fixed here so
 * nothing downstream has to guess:
 *
 * | column                     | type                 | unit / meaning                                                     |
 * | -------------------------- | -------------------- | ------------------------------------------------------------------ |
 * | `timestamp`                | timestamp[ms, UTC]   | instant of the reading, milliseconds since the Unix epoch, UTC     |
 * | `city`                     | dictionary<utf8>     | city key, lower-case ASCII (`berlin`, `new_york`), see cities list  |
 * | `segment_id`               | utf8                 | source-specific stable id of the road segment (e.g. `osm:123:0`)   |
 * | `lat`, `lon`               | float64              | WGS84 degrees of the segment's midpoint                            |
 * | `road_class`               | dictionary<utf8>     | OSM highway class: motorway, trunk, primary, secondary, tertiary, residential, … |
 * | `hour`                     | int8                 | hour of day 0–23 in the city's local time                          |
 * | `day_of_week`              | int8                 | ISO day of week in local time: 1 = Monday … 7 = Sunday             |
 * | `free_flow_speed_kmh`      | float32              | speed with no traffic, km/h                                        |
 * | `current_speed_kmh`        | float32              | observed speed, km/h                                               |
 * | `congestion`               | float32              | 1 − current/free-flow, clamped to [0, 1]                           |
 * | `confidence`               | float32              | provider's confidence in the reading, [0, 1]                       |
 * | `free_flow_travel_time_s`  | float32, nullable    | travel time over the segment at free-flow speed, seconds           |
 * | `current_travel_time_s`    | float32, nullable    | travel time over the segment at current speed, seconds             |
 * | `source`                   | dictionary<utf8>     | `synthetic`, `tomtom`, `here`, `mapbox` or `import:<dataset>`      |
 *
 * The lake partitions by `date` (UTC calendar day of `timestamp`, `YYYY-MM-DD`) and `city`.
 * `SAMPLE_RANGES` gives the values each numeric column may hold; sources check what they receive against it.
 */
import {
  Dictionary,
  Field,
  Float32,
  Float64,
  Int32,
  Int8,
  Schema,
  TimestampMillisecond,
  Utf8,
} from 'apache-arrow';

const dictUtf8 = () => new Dictionary(new Utf8(), new Int32());

export const SAMPLE_COLUMNS = [
  'timestamp',
  'city',
  'segment_id',
  'lat',
  'lon',
  'road_class',
  'hour',
  'day_of_week',
  'free_flow_speed_kmh',
  'current_speed_kmh',
  'congestion',
  'confidence',
  'free_flow_travel_time_s',
  'current_travel_time_s',
  'source',
] as const;

export type SampleColumn = (typeof SAMPLE_COLUMNS)[number];

export const sampleSchema = new Schema([
  new Field('timestamp', new TimestampMillisecond('UTC'), false),
  new Field('city', dictUtf8(), false),
  new Field('segment_id', new Utf8(), false),
  new Field('lat', new Float64(), false),
  new Field('lon', new Float64(), false),
  new Field('road_class', dictUtf8(), false),
  new Field('hour', new Int8(), false),
  new Field('day_of_week', new Int8(), false),
  new Field('free_flow_speed_kmh', new Float32(), false),
  new Field('current_speed_kmh', new Float32(), false),
  new Field('congestion', new Float32(), false),
  new Field('confidence', new Float32(), false),
  new Field('free_flow_travel_time_s', new Float32(), true),
  new Field('current_travel_time_s', new Float32(), true),
  new Field('source', dictUtf8(), false),
]);

/** Values a numeric column may hold, in the column's unit. `min` and `max` are inclusive unless `minExclusive`. */
export interface ColumnRange {
  min: number;
  max: number;
  minExclusive?: boolean;
  unit: string;
}

/**
 * The range of each numeric column: what a reading must satisfy to enter the lake. Speeds stop at 300 km/h
 * (no road traffic is faster; a higher value is a unit or parsing error), timestamps at 1970..2100 (seconds
 * read as milliseconds or the reverse land far outside), travel times at a day per segment.
 */
export const SAMPLE_RANGES = {
  timestamp: { min: Date.UTC(1970, 0, 1), max: Date.UTC(2100, 0, 1), unit: 'ms since 1970' },
  lat: { min: -90, max: 90, unit: '°' },
  lon: { min: -180, max: 180, unit: '°' },
  hour: { min: 0, max: 23, unit: 'h' },
  day_of_week: { min: 1, max: 7, unit: '(1 = Monday)' },
  free_flow_speed_kmh: { min: 0, minExclusive: true, max: 300, unit: 'km/h' },
  current_speed_kmh: { min: 0, max: 300, unit: 'km/h' },
  congestion: { min: 0, max: 1, unit: '' },
  confidence: { min: 0, max: 1, unit: '' },
  free_flow_travel_time_s: { min: 0, max: 86_400, unit: 's' },
  current_travel_time_s: { min: 0, max: 86_400, unit: 's' },
} as const satisfies Partial<Record<SampleColumn, ColumnRange>>;

export type RangedColumn = keyof typeof SAMPLE_RANGES;

export function inRange(range: ColumnRange, value: number): boolean {
  return (range.minExclusive ? value > range.min : value >= range.min) && value <= range.max;
}

/** `0–300 km/h`, `(0, 300] km/h` for an exclusive minimum. */
export function describeRange(range: ColumnRange): string {
  const body = range.minExclusive ? `(${range.min}, ${range.max}]` : `${range.min}–${range.max}`;
  return range.unit ? `${body} ${range.unit}` : body;
}

/** One sample as a plain object, for sources that build rows one at a time and for tests. */
export interface Sample {
  timestamp: number;
  city: string;
  segment_id: string;
  lat: number;
  lon: number;
  road_class: string;
  hour: number;
  day_of_week: number;
  free_flow_speed_kmh: number;
  current_speed_kmh: number;
  congestion: number;
  confidence: number;
  free_flow_travel_time_s: number | null;
  current_travel_time_s: number | null;
  source: string;
}

/** congestion = 1 − current/free-flow, clamped to [0, 1]; 0 when free-flow is not positive. */
export function congestionOf(currentKmh: number, freeFlowKmh: number): number {
  if (!(freeFlowKmh > 0)) return 0;
  const c = 1 - currentKmh / freeFlowKmh;
  return c < 0 ? 0 : c > 1 ? 1 : c;
}
