/**
 * A predictor: the promoted (or a chosen) registry version, rebuilt in this process and answering
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
    if (this.artifacts.spec.kind !== 'mlp') {
      throw new TypeError(
        `predict(samples) serves per-sample MLP models; ${this.artifacts.pipeline} needs each segment's history: ` +
          `build rows with the sequence pipeline and call predictRows()`,
      );
    }
    const x = Array.isArray(samples) ? encodeObjects(samples) : encodeArrow(samples as SampleChunk);
    return this.predictFn(x, x.length / MLP_FEATURE_COUNT);
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
