/**
 * The standard forecasting protocol (`convoy evaluate`), as the traffic-forecasting literature reports it
 * (METR-LA / PEMS-BAY in DCRNN, Graph WaveNet, STAEformer): a chronological split; windows of the last
 * `history` five-minute slots predicting the next slots up to the largest horizon; MAE, RMSE and MAPE at each
 * horizon (the error at that step) and averaged over steps 1..h; missing targets masked out; in the
 * dataset's unit. The standard baselines run on exactly the same windows:
 *
 * - **last value**: the anchor reading, for every step;
 * - **rolling mean**: the mean of the observed readings of the history window;
 * - **time-of-day profile**: the sensor's mean at that five-minute slot of the day over the training range
 *   (its overall training mean where that slot was never seen);
 * - **ridge**: one pooled ridge regression per step on the history (missing lags forward-filled) plus time of
 *   day, fitted in closed form on the training range (ridge.ts).
 *
 * A window whose sensor the training range never saw has no profile: it is left out for every predictor and
 * counted, so the comparison stays like for like. Two streaming passes over the data (fit, then score);
 * memory is per sensor (a ring of slots and a 288-slot profile), never per row.
 */
import { sampleColumns } from '../input/sample-columns.ts';
import type { RecordBatch } from 'apache-arrow';
import { ErrorAccumulator, type ErrorMetrics } from './metrics.ts';
import { ForecastWindows, SLOTS_PER_DAY, SLOT_MS, forwardFilled, type ForecastWindow } from './forecast-windows.ts';
import { RidgeAccumulator, dot } from './ridge.ts';
import { SPEED_UNITS, SPEED_UNIT_LABELS, type SpeedUnit } from '../../traffic/units.ts';

export const FORECAST_BASELINES = ['lastValue', 'rollingMean', 'timeOfDay', 'ridge'] as const;
export type ForecastBaseline = (typeof FORECAST_BASELINES)[number];
/** A baseline, or `model`: the trained model evaluated beside them. */
export type ForecastPredictor = ForecastBaseline | 'model';

/**
 * A trained model's forecasts for the test range, made beforehand by its own pipeline (which needs each
 * window's context: road class, place, time), keyed by {@link windowKey}; one value per horizon, in km/h.
 * Windows it has no forecast for (its pipeline skips windows with a gap) are left out for every predictor.
 */
export interface ModelForecasts {
  label: string;
  horizonsMin: readonly number[];
  byWindow: ReadonlyMap<string, Float32Array>;
}

/** The key of a window: its sensor and the start of its anchor slot. */
export function windowKey(sensor: string, anchorMs: number): string {
  return `${sensor}@${Math.floor(anchorMs / SLOT_MS) * SLOT_MS}`;
}


export interface TimeSpan {
  from: number;
  to: number;
}

export interface ForecastEvaluationOptions {
  /** A fresh scan of the lake's samples per call, in time order per sensor (Lake.scan). */
  data: () => AsyncIterable<RecordBatch>;
  /** History window, in five-minute slots. @default 12 (an hour) */
  history?: number;
  /** Horizons to report, in minutes (multiples of 5). @default [15, 30, 60] */
  horizonsMin?: readonly number[];
  train: TimeSpan;
  test: TimeSpan;
  /** @default 'kmh' */
  unit?: SpeedUnit;
  /** Smallest |actual| counted in MAPE, in `unit`. @default 1 */
  mapeFloor?: number;
  /** Ridge penalty, relative to the mean diagonal of XᵀX. @default 1e-4 */
  lambda?: number;
  /** A trained model to score beside the baselines, on the windows it has forecasts for. */
  model?: ModelForecasts;
}

export interface HorizonScores {
  horizonMin: number;
  /** The error at this horizon's step (a model without an output at this step: no rows, NaN). */
  at: Partial<Record<ForecastPredictor, ErrorMetrics>>;
  /** The error pooled over steps 1..h (every observed target up to this horizon); a model only when it forecasts every step. */
  upTo: Partial<Record<ForecastPredictor, ErrorMetrics>>;
}

export interface ForecastReport {
  unit: SpeedUnit;
  history: number;
  horizonsMin: number[];
  train: TimeSpan;
  test: TimeSpan;
  sensors: { train: number; test: number };
  /** `excluded`: sensor not in the training range; `noForecast`: the model had no forecast for the window. */
  windows: { train: number; test: number; excluded: number; noForecast: number };
  /** The predictors scored, the model (its label in `modelLabel`) last when given. */
  predictors: ForecastPredictor[];
  modelLabel?: string;
  horizons: HorizonScores[];
  /** The lowest MAE at each horizon (at that step). */
  best: { horizonMin: number; predictor: ForecastPredictor; mae: number }[];
}

/** Features of the pooled ridge: the forward-filled history, the time of day as a circle, and 1. */
function ridgeFeatures(w: ForecastWindow, out: Float64Array): Float64Array {
  const filled = forwardFilled(w.history);
  out.set(filled);
  const angle = (2 * Math.PI * w.anchorSlotOfDay) / SLOTS_PER_DAY;
  out[filled.length] = Math.sin(angle);
  out[filled.length + 1] = Math.cos(angle);
  out[filled.length + 2] = 1;
  return out;
}

class TimeOfDayProfile {
  readonly #sums = new Map<string, Float64Array>();
  readonly #counts = new Map<string, Uint32Array>();

  add(sensor: string, slotOfDay: number, value: number): void {
    let sum = this.#sums.get(sensor);
    let count = this.#counts.get(sensor);
    if (!sum || !count) {
      this.#sums.set(sensor, (sum = new Float64Array(SLOTS_PER_DAY)));
      this.#counts.set(sensor, (count = new Uint32Array(SLOTS_PER_DAY)));
    }
    sum[slotOfDay]! += value;
    count[slotOfDay]!++;
  }

  get sensors(): number {
    return this.#sums.size;
  }

  /** NaN for a sensor never seen. */
  predict(sensor: string, slotOfDay: number): number {
    const sum = this.#sums.get(sensor);
    const count = this.#counts.get(sensor);
    if (!sum || !count) return Number.NaN;
    if (count[slotOfDay]! > 0) return sum[slotOfDay]! / count[slotOfDay]!;
    let s = 0;
    let c = 0;
    for (let i = 0; i < SLOTS_PER_DAY; i++) {
      s += sum[i]!;
      c += count[i]!;
    }
    return c > 0 ? s / c : Number.NaN;
  }
}

function slotsOf(horizonsMin: readonly number[]): number[] {
  if (horizonsMin.length === 0) throw new RangeError('give at least one horizon');
  return horizonsMin.map((m) => {
    if (!Number.isInteger(m) || m <= 0 || m % 5 !== 0) throw new RangeError(`horizon ${m} min is not a positive multiple of 5 minutes`);
    return m / 5;
  });
}

/** Streams every sample of `data` into windows of `range`, calling `onReading` for readings in the range too. */
async function eachWindow(
  data: AsyncIterable<RecordBatch>,
  windows: ForecastWindows,
  range: TimeSpan,
  onWindow: (w: ForecastWindow) => void,
  onReading?: (sensor: string, slotOfDay: number, value: number) => void,
): Promise<Set<string>> {
  const sensors = new Set<string>();
  for await (const batch of data) {
    const cols = sampleColumns(batch);
    for (let i = 0; i < cols.numRows; i++) {
      const ts = cols.timestamp[i]!;
      const sensor = cols.segmentId(i);
      const city = cols.city.dictionary[cols.city.indices[i]!]!;
      const value = cols.currentSpeedKmh[i]!;
      const hour = cols.hour[i]!;
      if (ts >= range.from && ts < range.to) {
        sensors.add(sensor);
        if (onReading && Number.isFinite(value)) onReading(sensor, hour * 12 + Math.floor((Math.floor(ts / 60_000) % 60) / 5), value);
      }
      for (const w of windows.push(sensor, city, ts, hour, value)) onWindow(w);
    }
  }
  return sensors;
}

export async function evaluateForecasts(o: ForecastEvaluationOptions): Promise<ForecastReport> {
  const history = o.history ?? 12;
  const horizonsMin = [...(o.horizonsMin ?? [15, 30, 60])].sort((a, b) => a - b);
  const horizonSlots = slotsOf(horizonsMin);
  const steps = Math.max(...horizonSlots);
  const unit = o.unit ?? 'kmh';
  const perKmh = 1 / SPEED_UNITS[unit];
  if (!(o.train.to <= o.test.from)) throw new RangeError('the training range must end before the test range starts (a chronological split)');

  // Pass 1: fit the profile and the ridge on the training range.
  const profile = new TimeOfDayProfile();
  const ridge = new RidgeAccumulator(history + 3, steps);
  const features = new Float64Array(history + 3);
  let trainWindows = 0;
  const trainSensors = await eachWindow(
    o.data(),
    new ForecastWindows({ history, steps, from: o.train.from, to: o.train.to }),
    o.train,
    (w) => {
      trainWindows++;
      ridge.add(ridgeFeatures(w, features), w.targets);
    },
    (sensor, slotOfDay, value) => profile.add(sensor, slotOfDay, value),
  );
  const weights = trainWindows > 0 ? ridge.solve(o.lambda) : undefined;

  // Pass 2: score every predictor on the test windows, step by step.
  const floor = o.mapeFloor ?? 1;
  const predictors: ForecastPredictor[] = [...FORECAST_BASELINES, ...(o.model ? (['model'] as const) : [])];
  const acc = Object.fromEntries(predictors.map((p) => [p, Array.from({ length: steps }, () => new ErrorAccumulator(floor))])) as Record<ForecastPredictor, ErrorAccumulator[]>;
  let testWindows = 0;
  let excluded = 0;
  let noForecast = 0;
  const predicted = Object.fromEntries(predictors.map((p) => [p, new Float64Array(steps)])) as Record<ForecastPredictor, Float64Array>;
  // The model's outputs by step (0-based), NaN at steps it does not forecast.
  const modelStep = new Int32Array(steps).fill(-1);
  for (const [i, m] of (o.model?.horizonsMin ?? []).entries()) if (m % 5 === 0 && m / 5 >= 1 && m / 5 <= steps) modelStep[m / 5 - 1] = i;
  const testSensors = await eachWindow(o.data(), new ForecastWindows({ history, steps, from: o.test.from, to: o.test.to }), o.test, (w) => {
    for (let k = 0; k < steps; k++) predicted.timeOfDay[k] = profile.predict(w.sensor, (w.anchorSlotOfDay + k + 1) % SLOTS_PER_DAY);
    if (!Number.isFinite(predicted.timeOfDay[0]!) || !weights) {
      excluded++;
      return;
    }
    const forecast = o.model?.byWindow.get(windowKey(w.sensor, w.anchorMs));
    if (o.model && !forecast) {
      noForecast++;
      return;
    }
    if (forecast) for (let k = 0; k < steps; k++) predicted.model[k] = modelStep[k]! >= 0 ? forecast[modelStep[k]!]! : Number.NaN;
    testWindows++;
    const last = w.history[history - 1]!;
    let sum = 0;
    let n = 0;
    for (const v of w.history) {
      if (!Number.isFinite(v)) continue;
      sum += v;
      n++;
    }
    const x = ridgeFeatures(w, features);
    for (let k = 0; k < steps; k++) {
      predicted.lastValue[k] = last;
      predicted.rollingMean[k] = sum / n;
      predicted.ridge[k] = dot(weights[k]!, x);
    }
    for (let k = 0; k < steps; k++) {
      const actual = w.targets[k]!;
      if (!Number.isFinite(actual)) continue;
      for (const p of predictors) if (Number.isFinite(predicted[p][k]!)) acc[p][k]!.add(predicted[p][k]! * perKmh, actual * perKmh);
    }
  });

  const pooled = (p: ForecastPredictor, upTo: number): ErrorMetrics => {
    const total = new ErrorAccumulator(floor);
    for (let k = 0; k < upTo; k++) total.merge(acc[p][k]!);
    return total.result();
  };
  // A model that skips steps has no "over steps 1..h" figure: pooling its few steps would flatter it.
  const everyStep = (p: ForecastPredictor, h: number) => p !== 'model' || modelStep.subarray(0, h).every((i) => i >= 0);
  const horizons: HorizonScores[] = horizonsMin.map((m, i) => {
    const h = horizonSlots[i]!;
    return {
      horizonMin: m,
      at: Object.fromEntries(predictors.map((p) => [p, acc[p][h - 1]!.result()])),
      upTo: Object.fromEntries(predictors.filter((p) => everyStep(p, h)).map((p) => [p, pooled(p, h)])),
    };
  });
  const best = horizons.map((h) => {
    const [predictor, m] = Object.entries(h.at).reduce((a, b) => (b[1].mae < a[1].mae ? b : a));
    return { horizonMin: h.horizonMin, predictor: predictor as ForecastPredictor, mae: m.mae };
  });
  return {
    unit,
    history,
    horizonsMin,
    train: o.train,
    test: o.test,
    sensors: { train: trainSensors.size, test: testSensors.size },
    windows: { train: trainWindows, test: testWindows, excluded, noForecast },
    predictors,
    ...(o.model ? { modelLabel: o.model.label } : {}),
    horizons,
    best,
  };
}

const LABEL: Record<ForecastPredictor, string> = { lastValue: 'last value', rollingMean: 'rolling mean', timeOfDay: 'time-of-day profile', ridge: 'ridge on lags', model: 'model' };

/** The report as a terminal table: one block per horizon, one line per predictor, steps 1..h and at h. */
export function formatForecastTable(r: ForecastReport): string {
  const f = (v: number, digits = 2) => (Number.isFinite(v) ? v.toFixed(digits) : '—');
  const header = ['horizon', 'predictor', 'MAE 1..h', 'RMSE 1..h', 'MAPE% 1..h', 'MAE @h', 'RMSE @h', 'MAPE% @h'];
  const rows: string[][] = [];
  const label = (p: ForecastPredictor) => (p === 'model' && r.modelLabel ? r.modelLabel : LABEL[p]);
  for (const h of r.horizons) {
    let scope = `${h.horizonMin} min`;
    for (const p of r.predictors) {
      const up = h.upTo[p];
      const at = h.at[p]!;
      rows.push([scope, label(p), up ? f(up.mae) : '—', up ? f(up.rmse) : '—', up ? f(up.mape) : '—', f(at.mae), f(at.rmse), f(at.mape)]);
      scope = '';
    }
  }
  const widths = header.map((c, i) => Math.max(c.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => (i < 2 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  const day = (ms: number) => new Date(ms).toISOString().replace(':00.000Z', 'Z');
  return [
    `forecast evaluation in ${SPEED_UNIT_LABELS[r.unit]}: history ${r.history} slots (${r.history * 5} min); train ${day(r.train.from)} .. ${day(r.train.to)}, test ${day(r.test.from)} .. ${day(r.test.to)}`,
    `${r.sensors.test} sensor(s), ${r.windows.test} test window(s) (left out: ${r.windows.excluded} of sensors not in the training range` +
      `${r.modelLabel ? `, ${r.windows.noForecast} the model has no forecast for` : ''}), ${r.windows.train} training window(s)`,
    line(header),
    widths.map((w) => '-'.repeat(w)).join('  '),
    ...rows.map(line),
    `best (MAE at h): ${r.best.map((b) => `${b.horizonMin} min ${label(b.predictor)} ${f(b.mae)}`).join('; ')}`,
  ].join('\n');
}
