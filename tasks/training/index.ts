/**
 * `convoy/tasks/training`: the training side of Convoy's traffic workloads: models, backends, incremental and
 * data-parallel training (DataParallelTrainer: ranks in processes across nodes), validation against baselines, the model registry, the predictor and the tune
 * trainable. Folders: input/ (rows from sample batches), models/, evaluation/, artifacts/ (what is stored).
 *
 * @example
 * ```ts
 * import { trainModel, ModelRegistry, Predictor } from 'convoy/tasks/training';
 *
 * const result = await trainModel({
 *   data: () => lake.scan({ filter: { dateFrom: '2026-01-01' } }),   // any AsyncIterable of Arrow batches
 *   trainRange: { to: Date.UTC(2026, 0, 22) },
 *   validRange: { from: Date.UTC(2026, 0, 22) },
 *   epochs: 3,
 *   checkpoint: { storage, prefix: 'checkpoints/speed-mlp', everySteps: 500 },
 *   onReport: (r) => console.log(r.epoch, r.validMae),
 * });
 * const registry = new ModelRegistry(storage);
 * const v = await registry.register({ model: 'speed-mlp', artifacts: result.artifacts });
 * await registry.promote('speed-mlp', v.version);
 * const predictor = await Predictor.load(registry, 'speed-mlp');
 * await predictor.predict(samples);
 * ```
 */
export { trainModel, type TrainResult } from './trainer.ts';
export {
  trainSettingsSchema,
  parseTrainSettings,
  type TrainOptions,
  type TrainSettings,
  type TrainSettingsInput,
  type EpochReport,
  type TrainingProgress,
} from './options.ts';
export { selectBackend, describeBackend, BACKEND_ORDER, type BackendName, type BackendChoice } from './backend.ts';
export { MLP_FEATURES, MLP_FEATURE_COUNT, encodeMlpFeatures, type Target, type TimeRange } from './input/features.ts';
export { Normalizer, NormalizerFit, type NormalizerJSON } from './input/normalizer.ts';
export { pipelineFor, DEFAULT_HORIZONS_MIN, type FeaturePipeline } from './input/feature-pipeline.ts';
export type { EncodedBatch, Encoder, RowMeta } from './input/encoded-batch.ts';
export { createModel, parseModelSpec, readParams, writeParams, MlpModel, GruModel } from './models/index.ts';
export { describeSpec, inputWidth, modelSpecSchema, type Model, type ModelSpec, type ModelSpecInput } from './models/model.ts';
export { Adam } from './adam.ts';
export { CheckpointStore, type Checkpoint, type CheckpointMeta } from './artifacts/checkpoint.ts';
export { soloExchange, flattenGrads, unflattenGrads, type GradientExchange } from './gradient-exchange.ts';
export {
  DataParallelTrainer,
  dataParallelOptionsSchema,
  bundlesThatFit,
  type DataParallelOptions,
  type DataParallelHooks,
  type DataParallelResult,
  type AttemptInfo,
} from './distributed/data-parallel-trainer.ts';
export { TrainRank, TRAIN_RANK, type RankPlace, type RankResult } from './distributed/train-rank.ts';
export type { RankProgress } from './distributed/rank-run.ts';
export { createPredictFn, evaluate, encodeStream, type PredictFn } from './evaluation/evaluate.ts';
export { ErrorAccumulator, defaultMapeFloor, type ErrorMetrics } from './evaluation/metrics.ts';
export { HistoricalAverage, fitHistoricalAverage } from './evaluation/baselines.ts';
export { validateModel, formatValidationTable, type ValidationReport, type ValidateOptions } from './evaluation/validation.ts';
export { ModelRegistry, type VersionInfo, type RegisterInput } from './artifacts/registry.ts';
export { Predictor, type PredictInput } from './predictor.ts';
export { ForecastInputError, type Forecast, type ForecastHorizon, type SensorHistory, type Reading } from '../serving/forecast-input.ts';
export { MissingReadingError, type LakeForecastOptions, type IncompleteSensor } from '../serving/lake-history.ts';
export type { ModelArtifacts } from './artifacts/model-artifacts.ts';
export { encodeTensors, decodeTensors, type NamedArrays } from './artifacts/tensor-file.ts';
export {
  TrainingOptionsError,
  FeatureSchemaError,
  BackendUnavailableError,
  CorruptArtifactError,
  CheckpointMismatchError,
  ModelNotFoundError,
  DivergedError,
  TrainingFailedError,
} from './errors.ts';
export { TrafficTrainable, TRAFFIC_TRAINABLE } from './trainable.ts';
export { trafficTrialConfigSchema, TRAFFIC_SPACE_KEYS, TRAFFIC_METRICS, type TrafficTrialConfig } from './trial-config.ts';
export { saveArtifacts, loadArtifacts } from './artifacts/artifacts-file.ts';
