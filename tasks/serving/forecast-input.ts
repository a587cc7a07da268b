/**
 * What a caller passes to forecast from a sensor's recent readings, and how it becomes the row a model reads.
 *
 * A sequence model (a GRU, or an MLP with `history` > 0) was trained on windows of a sensor's last `steps`
 * readings on consecutive five-minute slots, plus the 16 context features of the newest reading's moment
 * (time of day and week in local time, road class, free-flow speed, place: features.ts). The same window is
 * built here from plain readings, so a forecast equals `predictRows` on the row the training pipeline would
 * have made from those readings.
 *
 * Missing readings are refused, never filled: training restarts a sensor's window at every gap
 * (sequence-windows.ts), so a model has never seen a guessed value and a filled window would be an input it
 * was not trained on. The error names the sensor and the first empty slot.
 */
import { encodeMlpFeatures, MLP_FEATURE_COUNT, type Target } from '../training/input/features.ts';
import { SLOT_MS } from '../training/input/sequence-windows.ts';
import { cityProfile } from '../traffic/cities.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';
import { parseInstant } from '../traffic/instant.ts';
import { isoDayOfWeekOf, localHourOf, utcOffsetMs } from '../traffic/local-time.ts';
import { ROAD_CLASSES, roadClassOfHighway } from '../traffic/road-classes.ts';

/** An instant: ms since the epoch, or an ISO 8601 date-time (UTC unless it names an offset). */
export type Instant = number | string;

export interface Reading {
  timestamp: Instant;
  /** The observed speed, km/h: what a model with target `speed` reads. */
  speedKmh?: number;
  /** 1 − speed/free-flow in [0, 1]: what a model with target `congestion` reads. */
  congestion?: number;
}

/** One sensor's recent readings and the context the model's 16 context features are made of. */
export interface SensorHistory {
  sensor: string;
  /**
   * The readings, oldest first; the last `history` of them (the model's history length) must lie on
   * consecutive five-minute slots. More are fine (the older ones are ignored). A model without history
   * (the per-sample MLP) needs none: give `at` instead.
   */
  readings?: Reading[];
  /** The moment to predict, for a model without history; ignored otherwise. @default the last reading's time */
  at?: Instant;
  /**
   * A city key of the built-in list (`berlin`, …): its time zone gives the local hour and day. Another city
   * (an imported dataset's) says nothing about time: give `timeZone`, or UTC is assumed.
   */
  city?: string;
  /** IANA time zone of the local hour and day the model was trained on. @default the city's, else 'UTC' */
  timeZone?: string;
  /** OSM road class: motorway, trunk, primary, secondary, tertiary, unclassified, residential, … */
  roadClass: string;
  freeFlowSpeedKmh: number;
  lat: number;
  lon: number;
}

export interface ForecastHorizon {
  /** Minutes after the forecast's `at` (0: the MLP's estimate of that moment itself). */
  minutes: number;
  /** `at + minutes`, ms since the epoch. */
  timestamp: number;
  /** Present when the model predicts speed. */
  speedKmh?: number;
  /** Present when the model predicts congestion. */
  congestion?: number;
}

export interface Forecast {
  sensor: string;
  /** The newest reading's time (ms since the epoch): the horizons count from here. */
  at: number;
  horizons: ForecastHorizon[];
}

/** A forecast request a model cannot answer as given; says which sensor, which field, and what to fix. */
export class ForecastInputError extends TrafficError {
  override readonly name = 'ForecastInputError';
  constructor(
    /** Position of the sensor in the request. */
    readonly index: number,
    readonly sensor: string | undefined,
    /** Path of the bad field, e.g. `readings[3].speedKmh`. */
    readonly field: string,
    readonly problem: string,
  ) {
    super(`sensor ${sensor === undefined ? `#${index}` : JSON.stringify(sensor)}: ${field} ${problem}`);
  }
}

/** A window ready to encode: `steps` values and the moment and place of the newest. */
export interface SensorWindow {
  sensor: string;
  values: Float32Array;
  at: number;
  hour: number;
  dayOfWeek: number;
  roadClass: string;
  freeFlowSpeedKmh: number;
  lat: number;
  lon: number;
}

/** What a window must fit: the model's history length and target. */
export interface WindowShape {
  steps: number;
  target: Target;
}

const ROAD_CLASS_LIST = ROAD_CLASSES.join(', ');

/** Validates one sensor's request and builds its window; throws {@link ForecastInputError}. */
export function windowOf(h: SensorHistory, index: number, shape: WindowShape): SensorWindow {
  const fail = (field: string, problem: string): never => {
    throw new ForecastInputError(index, typeof h?.sensor === 'string' ? h.sensor : undefined, field, problem);
  };
  if (typeof h !== 'object' || h === null) fail('(sensor)', 'must be an object with sensor, readings, roadClass, freeFlowSpeedKmh, lat and lon');
  if (typeof h.sensor !== 'string' || h.sensor === '') fail('sensor', 'must be a non-empty string (the sensor or segment id)');
  const roadClass = (typeof h.roadClass === 'string' ? roadClassOfHighway(h.roadClass) : undefined) ?? '';
  if (!roadClass) fail('roadClass', `must be one of ${ROAD_CLASS_LIST} (or an OSM *_link of one), got ${JSON.stringify(h.roadClass)}`);
  const freeFlow = finite(h.freeFlowSpeedKmh, 'freeFlowSpeedKmh', fail);
  if (!(freeFlow > 0 && freeFlow <= 300)) fail('freeFlowSpeedKmh', `must be in (0, 300] km/h, got ${freeFlow}`);
  const lat = finite(h.lat, 'lat', fail);
  const lon = finite(h.lon, 'lon', fail);
  if (lat < -90 || lat > 90) fail('lat', `must be in [-90, 90] degrees, got ${lat}`);
  if (lon < -180 || lon > 180) fail('lon', `must be in [-180, 180] degrees, got ${lon}`);
  const timeZone = zoneOf(h, fail);
  const readings = h.readings ?? [];
  if (!Array.isArray(readings)) fail('readings', 'must be an array of { timestamp, speedKmh } (or congestion)');
  const { steps, target } = shape;
  const valueField = target === 'speed' ? 'speedKmh' : 'congestion';
  if (readings.length < steps) {
    fail('readings', `has ${readings.length} reading(s); this model needs the last ${steps} (${steps * 5} minutes on consecutive five-minute slots)`);
  }
  const used = readings.slice(readings.length - steps);
  const offset = readings.length - steps;
  const values = new Float32Array(steps);
  let previousSlot: number | undefined;
  let at = Number.NaN;
  used.forEach((r, k) => {
    const field = `readings[${offset + k}]`;
    if (typeof r !== 'object' || r === null) fail(field, 'must be an object { timestamp, speedKmh }');
    const ts = instant(r.timestamp, `${field}.timestamp`, fail);
    const value = finite(r[valueField], `${field}.${valueField}`, fail);
    if (target === 'speed' && (value < 0 || value > 300)) fail(`${field}.speedKmh`, `must be in [0, 300] km/h, got ${value}`);
    if (target === 'congestion' && (value < 0 || value > 1)) fail(`${field}.congestion`, `must be in [0, 1], got ${value}`);
    const slot = Math.floor(ts / SLOT_MS);
    if (previousSlot !== undefined && slot <= previousSlot) {
      fail(`${field}.timestamp`, `(${new Date(ts).toISOString()}) is not after the reading before it on a later five-minute slot: give readings oldest first, one per slot`);
    }
    if (previousSlot !== undefined && slot !== previousSlot + 1) {
      fail('readings', `has no reading for the slot at ${new Date((previousSlot + 1) * SLOT_MS).toISOString()}: the last ${steps} readings must cover consecutive five-minute slots (a gap is refused, not filled, since the model never saw a filled one)`);
    }
    previousSlot = slot;
    values[k] = value;
    at = ts;
  });
  if (steps === 0) at = h.at !== undefined ? instant(h.at, 'at', fail) : readings.length ? instant(readings.at(-1)!.timestamp, `readings[${readings.length - 1}].timestamp`, fail) : fail('at', 'is needed for a model without history: the moment to predict');
  const local = at + utcOffsetMs(timeZone, at);
  return { sensor: h.sensor, values, at, hour: localHourOf(local), dayOfWeek: isoDayOfWeekOf(local), roadClass, freeFlowSpeedKmh: freeFlow, lat, lon };
}

/** The model's rows for these windows: `steps` values then 16 context features each. */
export function encodeWindows(windows: readonly SensorWindow[], steps: number): Float32Array {
  const width = steps + MLP_FEATURE_COUNT;
  const x = new Float32Array(windows.length * width);
  windows.forEach((w, i) => {
    x.set(w.values, i * width);
    encodeMlpFeatures(x, i * width + steps, {
      hour: w.hour,
      dayOfWeek: w.dayOfWeek,
      timestampMs: w.at,
      roadClass: w.roadClass,
      freeFlowSpeedKmh: w.freeFlowSpeedKmh,
      lat: w.lat,
      lon: w.lon,
    });
  });
  return x;
}

/** Forecasts from the model's outputs (`windows.length × horizonsMin.length`), named by horizon. */
export function forecastsOf(windows: readonly SensorWindow[], outputs: Float32Array, horizonsMin: readonly number[], target: Target): Forecast[] {
  const field = target === 'speed' ? 'speedKmh' : 'congestion';
  const n = horizonsMin.length;
  return windows.map((w, i) => ({
    sensor: w.sensor,
    at: w.at,
    horizons: horizonsMin.map((minutes, h) => ({ minutes, timestamp: w.at + minutes * 60_000, [field]: outputs[i * n + h]! })),
  }));
}

function finite(v: unknown, field: string, fail: (field: string, problem: string) => never): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) fail(field, `must be a finite number, got ${v === undefined ? 'nothing' : JSON.stringify(v) ?? String(v)}`);
  return v as number;
}

function instant(v: unknown, field: string, fail: (field: string, problem: string) => never): number {
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) fail(field, `must be a finite number of ms since the epoch, got ${v}`);
    return v;
  }
  if (typeof v === 'string') {
    const parsed = parseInstant(v);
    if ('error' in parsed) fail(field, parsed.error);
    return (parsed as { ms: number }).ms;
  }
  return fail(field, `must be ms since the epoch or an ISO 8601 date-time, got ${v === undefined ? 'nothing' : JSON.stringify(v)}`);
}

function zoneOf(h: SensorHistory, fail: (field: string, problem: string) => never): string {
  if (h.timeZone !== undefined) {
    if (typeof h.timeZone !== 'string') fail('timeZone', 'must be an IANA time zone name such as "Europe/Berlin"');
    try {
      utcOffsetMs(h.timeZone, 0);
    } catch {
      fail('timeZone', `"${h.timeZone}" is not an IANA time zone (use a name such as "Europe/Berlin")`);
    }
    return h.timeZone;
  }
  if (h.city !== undefined) {
    try {
      return cityProfile(h.city).timeZone;
    } catch {
      // An imported dataset's city is not in the built-in list: its hours are in the time zone of the import.
      return 'UTC';
    }
  }
  return 'UTC';
}

registerTrafficErrors(ForecastInputError);
