/**
 * A forecast's history read from the lake: each sensor's readings on the last `steps` five-minute slots up to
 * `at` (the slot holding `at` is the newest), with the context (hour, day, road class, place) the lake stored
 * beside them, the same columns the training pipeline read.
 *
 * A slot without a reading is refused, never filled (forecast-input.ts says why). A sensor the caller named
 * fails the call with {@link MissingReadingError}, naming the sensor and the slot; when the caller named none
 * (every sensor of the lake), sensors with a gap are left out and listed in `incomplete`, so one silent sensor
 * does not cost the others their forecasts.
 */
import type { Lake } from '../lake/index.ts';
import { sampleColumns } from '../training/input/sample-columns.ts';
import { targetOf } from '../training/input/features.ts';
import { SLOT_MS } from '../training/input/sequence-windows.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';
import type { SensorWindow, WindowShape } from './forecast-input.ts';

export interface LakeForecastOptions {
  /** Sensors (segment ids) to forecast. @default every sensor with readings before `at` */
  sensors?: string[];
  /** Forecast from the readings up to this instant (ms since the epoch or a Date). @default now */
  at?: number | Date;
  /** Only this city's partition (faster on a lake of many cities). */
  city?: string;
}

export interface IncompleteSensor {
  sensor: string;
  /** The first slot without a reading, ms since the epoch. */
  missingSlot: number;
}

/** A sensor the caller named has no reading on a slot its forecast needs. */
export class MissingReadingError extends TrafficError {
  override readonly name = 'MissingReadingError';
  constructor(
    readonly sensor: string,
    /** Start of the empty five-minute slot, ms since the epoch. */
    readonly slot: number,
    readonly steps: number,
  ) {
    super(
      `sensor ${JSON.stringify(sensor)} has no reading in the lake for the slot at ${new Date(slot).toISOString()}: ` +
        `a forecast needs its last ${steps} five-minute slot(s) filled (gaps are refused, not filled); ` +
        `choose an earlier \`at\`, or import the missing readings`,
    );
  }
}

const COLUMNS = ['timestamp', 'city', 'segment_id', 'lat', 'lon', 'road_class', 'hour', 'day_of_week', 'free_flow_speed_kmh', 'current_speed_kmh', 'congestion'];

interface Slotted {
  values: Float32Array;
  filled: Uint8Array;
  newest: { ts: number; hour: number; dayOfWeek: number; roadClass: string; freeFlowSpeedKmh: number; lat: number; lon: number };
}

/** Reads each sensor's window; with `steps` 0 (no history) the newest slot's reading gives the context. */
export async function windowsFromLake(
  lake: Lake,
  options: LakeForecastOptions,
  shape: WindowShape,
): Promise<{ at: number; windows: SensorWindow[]; incomplete: IncompleteSensor[] }> {
  const at = options.at === undefined ? Date.now() : +options.at;
  if (!Number.isFinite(at)) throw new RangeError(`forecastFromLake: at must be a time, got ${String(options.at)}`);
  const slots = Math.max(1, shape.steps);
  const last = Math.floor(at / SLOT_MS);
  const first = last - slots + 1;
  const wanted = options.sensors ? new Set(options.sensors) : undefined;
  const bySensor = new Map<string, Slotted>();
  const filter = { timeFrom: first * SLOT_MS, timeTo: at + 1, ...(options.city ? { city: options.city } : {}) };
  for await (const batch of lake.scan({ columns: COLUMNS, filter })) {
    const c = sampleColumns(batch);
    for (let i = 0; i < c.numRows; i++) {
      const sensor = c.segmentId(i);
      if (wanted && !wanted.has(sensor)) continue;
      const ts = c.timestamp[i]!;
      const value = targetOf(c, i, shape.target);
      if (!Number.isFinite(value)) continue;
      let s = bySensor.get(sensor);
      if (!s) {
        s = { values: new Float32Array(slots), filled: new Uint8Array(slots), newest: { ts: -Infinity, hour: 0, dayOfWeek: 1, roadClass: '', freeFlowSpeedKmh: 0, lat: 0, lon: 0 } };
        bySensor.set(sensor, s);
      }
      const k = Math.floor(ts / SLOT_MS) - first;
      // Two readings in one slot: the later one stands, as the training windows keep the first and drop repeats
      // only when they arrive out of order; a lake written once per slot has none.
      s.values[k] = value;
      s.filled[k] = 1;
      if (ts > s.newest.ts) {
        s.newest = {
          ts,
          hour: c.hour[i]!,
          dayOfWeek: c.dayOfWeek[i]!,
          roadClass: c.roadClass.dictionary[c.roadClass.indices[i]!]!,
          freeFlowSpeedKmh: c.freeFlowSpeedKmh[i]!,
          lat: c.lat[i]!,
          lon: c.lon[i]!,
        };
      }
    }
  }
  const windows: SensorWindow[] = [];
  const incomplete: IncompleteSensor[] = [];
  const names = options.sensors ?? [...bySensor.keys()].sort();
  for (const sensor of names) {
    const s = bySensor.get(sensor);
    const gap = s ? s.filled.indexOf(0) : 0;
    if (gap >= 0) {
      const missingSlot = (first + gap) * SLOT_MS;
      if (wanted) throw new MissingReadingError(sensor, missingSlot, slots);
      incomplete.push({ sensor, missingSlot });
      continue;
    }
    const n = s!.newest;
    windows.push({
      sensor,
      values: shape.steps === 0 ? new Float32Array(0) : s!.values,
      at: shape.steps === 0 ? at : n.ts,
      hour: n.hour,
      dayOfWeek: n.dayOfWeek,
      roadClass: n.roadClass,
      freeFlowSpeedKmh: n.freeFlowSpeedKmh,
      lat: n.lat,
      lon: n.lon,
    });
  }
  return { at, windows, incomplete };
}

registerTrafficErrors(MissingReadingError);
