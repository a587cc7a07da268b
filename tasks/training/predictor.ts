/**
 * A predictor: the promoted (or a chosen) registry version, rebuilt in this process and answering
 * `forecast(histories)` (every model kind: each sensor's recent readings in, one value per horizon out),
 * `forecastFromLake(lake, { at })` (the same, with the history read from a lake) and, for the per-sample MLP,
 * `predict(samples)`.
 *
 * It runs the very prediction function validation uses (evaluation/evaluate.ts), with the normaliser saved beside the
 * weights, so its outputs equal the trainer's for the same inputs. The current speed and congestion of the
 * samples are not read: they are what is being predicted.
 */
import { selectBackend, type BackendName } from './backend.ts';
import type { ModelArtifacts } from './artifacts/model-artifacts.ts';
import { createPredictFn, type PredictFn } from './evaluation/evaluate.ts';
import { MLP_FEATURE_COUNT, encodeMlpFeatures } from './input/features.ts';
import { createModel, writeParams } from './models/index.ts';
import { inputWidth, type Model } from './models/model.ts';
import { Normalizer } from './input/normalizer.ts';
import type { ModelRegistry, VersionInfo } from './artifacts/registry.ts';
import { batchesOf, sampleColumns, type SampleChunk } from './input/sample-columns.ts';
import type { Sample } from '../traffic/schema.ts';
import type { Lake } from '../lake/index.ts';
import { encodeWindows, forecastsOf, windowOf, ForecastInputError, type Forecast, type SensorHistory, type SensorWindow, type WindowShape } from '../serving/forecast-input.ts';
import { windowsFromLake, type IncompleteSensor, type LakeForecastOptions } from '../serving/lake-history.ts';

/** The fields of a sample the MLP reads. */
export type PredictInput = Pick<
  Sample,
  'timestamp' | 'hour' | 'day_of_week' | 'road_class' | 'free_flow_speed_kmh' | 'lat' | 'lon'
>;

export class Predictor {
  private readonly model: Model;
  private readonly predictFn: PredictFn;
  private closed = false;

  private constructor(
    readonly artifacts: ModelArtifacts,
    readonly info?: VersionInfo,
  ) {
    this.model = createModel(artifacts.spec);
    writeParams(this.model, artifacts.weights, info ? `${info.model} v${info.version}` : 'artifacts');
    this.predictFn = createPredictFn(this.model, Normalizer.fromJSON(artifacts.normalizer, 'artifacts'));
  }

  /** Loads a version (default: the promoted one) from the registry. */
  static async load(
    registry: ModelRegistry,
    model: string,
    options: { version?: number | 'promoted'; backends?: BackendName[] } = {},
  ): Promise<Predictor> {
    await selectBackend({ prefer: options.backends });
    const { info, artifacts } = await registry.load(model, options.version ?? 'promoted');
    return new Predictor(artifacts, info);
  }

  /** Builds a predictor from artifacts in hand (e.g. a trainer's result). */
  static async fromArtifacts(artifacts: ModelArtifacts, options: { backends?: BackendName[] } = {}): Promise<Predictor> {
    await selectBackend({ prefer: options.backends });
    return new Predictor(artifacts);
  }

  /**
   * Predicted target (km/h or congestion) per sample, for an MLP. Samples may be plain objects or Arrow batches
   * in the canonical schema.
   */
  async predict(samples: readonly PredictInput[] | SampleChunk): Promise<Float32Array> {
    this.assertOpen();
    const spec = this.artifacts.spec;
    // Per-sample models read one sample's context: an MLP or a linear model without history.
    if (spec.kind === 'gru' || spec.history > 0) {
      throw new TypeError(
        `predict(samples) serves per-sample MLP models; ${this.artifacts.pipeline} needs each segment's history: ` +
          `call forecast(histories) with each sensor's recent readings, or forecastFromLake(lake, { at })`,
      );
    }
    const x = Array.isArray(samples) ? encodeObjects(samples) : encodeArrow(samples as SampleChunk);
    return this.predictFn(x, x.length / MLP_FEATURE_COUNT);
  }

  /**
   * One forecast per sensor, one value per horizon of the model (`horizonsMin`; `[0]` for the per-sample MLP),
   * from each sensor's last readings on consecutive five-minute slots (as many as the model's history) and its
   * context. Throws {@link ForecastInputError} naming the sensor and field for input the model cannot take:
   * too few readings, a gap, an unknown road class, a value that is not finite.
   */
  async forecast(histories: readonly SensorHistory[]): Promise<Forecast[]> {
    this.assertOpen();
    if (!Array.isArray(histories)) throw new ForecastInputError(0, undefined, '(histories)', 'must be an array of sensor histories');
    const shape = this.windowShape();
    return this.forecastWindows(histories.map((h, i) => windowOf(h, i, shape)));
  }

  /**
   * Forecasts with each sensor's history read from a lake: its readings on the last `history` slots up to `at`
   * (lake-history.ts). A named sensor with a gap fails the call with MissingReadingError; with no sensors named,
   * sensors with a gap are left out and listed in `incomplete`.
   */
  async forecastFromLake(lake: Lake, options: LakeForecastOptions = {}): Promise<{ forecasts: Forecast[]; incomplete: IncompleteSensor[] }> {
    this.assertOpen();
    const { windows, incomplete } = await windowsFromLake(lake, options, this.windowShape());
    return { forecasts: await this.forecastWindows(windows), incomplete };
  }

  /** The history length and target a forecast's window must fit. */
  windowShape(): WindowShape {
    const spec = this.artifacts.spec;
    return { steps: spec.kind === 'gru' ? spec.steps : spec.history, target: this.artifacts.target };
  }

  private async forecastWindows(windows: readonly SensorWindow[]): Promise<Forecast[]> {
    if (windows.length === 0) return [];
    const { steps, target } = this.windowShape();
    const outputs = await this.predictRows(encodeWindows(windows, steps), windows.length);
    return forecastsOf(windows, outputs, this.artifacts.horizonsMin, target);
  }

  /** Predictions for already-encoded raw feature rows (`count × inputWidth`), for any model kind. */
  async predictRows(x: Float32Array, count: number): Promise<Float32Array> {
    this.assertOpen();
    const width = inputWidth(this.artifacts.spec);
    if (x.length !== count * width) {
      throw new RangeError(`predictRows: ${x.length} values is not ${count} rows of ${width} features`);
    }
    return this.predictFn(x, count);
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('Predictor is closed');
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.model.dispose();
  }

  [Symbol.dispose](): void {
    this.close();
  }
}

function encodeObjects(samples: readonly PredictInput[]): Float32Array {
  const x = new Float32Array(samples.length * MLP_FEATURE_COUNT);
  samples.forEach((s, i) =>
    encodeMlpFeatures(x, i * MLP_FEATURE_COUNT, {
      hour: s.hour,
      dayOfWeek: s.day_of_week,
      timestampMs: s.timestamp,
      roadClass: s.road_class,
      freeFlowSpeedKmh: s.free_flow_speed_kmh,
      lat: s.lat,
      lon: s.lon,
    }),
  );
  return x;
}

function encodeArrow(chunk: SampleChunk): Float32Array {
  const batches = batchesOf(chunk);
  const total = batches.reduce((s, b) => s + b.numRows, 0);
  const x = new Float32Array(total * MLP_FEATURE_COUNT);
  let row = 0;
  for (const batch of batches) {
    const c = sampleColumns(batch);
    for (let i = 0; i < c.numRows; i++, row++) {
      encodeMlpFeatures(x, row * MLP_FEATURE_COUNT, {
        hour: c.hour[i]!,
        dayOfWeek: c.dayOfWeek[i]!,
        timestampMs: c.timestamp[i]!,
        roadClass: c.roadClass.dictionary[c.roadClass.indices[i]!]!,
        freeFlowSpeedKmh: c.freeFlowSpeedKmh[i]!,
        lat: c.lat[i]!,
        lon: c.lon[i]!,
      });
    }
  }
  return x;
}
