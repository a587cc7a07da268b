/**
 * `convoy/tasks`: the traffic workloads on top of the cluster, every name of the `convoy/tasks/*` entries in
 * one place: the sample schema and source names (traffic), the sources (`convoy/tasks/sources`: synthetic,
 * OSM, TomTom, HERE, Mapbox, historical import), collection plans, the Parquet lake on local folders or S3
 * (`convoy/tasks/lake`), the distributed collection job (`convoy/tasks/collect`), training (models, trainer,
 * validation, registry, predictor, tune trainable: `convoy/tasks/training`), serving (the forecast service
 * behind `convoy serve`) and the end-to-end run behind
 * `npm start`. Object storage itself is `convoy/storage`. Named re-exports only, so a name is never shadowed
 * or dropped silently when two modules export it.
 *
 * @example
 * ```ts
 * import { connect } from 'convoy';
 * import { collect, openLake, trainModel } from 'convoy/tasks';
 *
 * await using cluster = await connect();
 * await collect(cluster, { source: 'synthetic', cities: ['berlin'], from: '2026-01-05', to: '2026-01-12', target: 1e6, lake: './data/lake' });
 * const lake = await openLake('./data/lake');
 * const { artifacts } = await trainModel({ data: () => lake.scan(), epochs: 1 });
 * ```
 */
export {
  batchesFromSamples, CITY_KEYS, CITY_PROFILES, cityProfile, congestionOf, DAY_MS, DEFAULT_MAXSPEED_KMH,
  describeRange, encodeSegmentId, haversineM, HOUR_MS, importSourceName, inRange, isoDayOfWeekOf, isRoadClass,
  isSourceName, localHourOf, PROVIDER_NAMES, recordBatchOf, registerTrafficErrors, ROAD_CLASSES,
  roadClassOfHighway, SAMPLE_COLUMNS, SAMPLE_RANGES, SampleBatchBuilder, sampleSchema, sharedDictionaries,
  SOURCE_NAMES, StringDictionary, TrafficError, UnknownCityError, UnknownTimeZoneError, utcOffsetMs,
  utcOffsetsByHour, zonedWallClockToUtc, type CityProfile, type ColumnRange, type ProviderSourceName,
  type RangedColumn, type RoadClass, type RoadNetwork, type RoadNetworkStats, type RoadSegment,
  type RushHourShape, type Sample, type SampleColumn, type SampleDictionaries, type SourceName
} from './traffic/index.ts';
export {
  API_KEY_ENV, ApiKey, backoffDelayMs, cachedRoadNetwork, compileMapping, compileShardSpec, CsvFileError,
  DAYS_PER_MONTH, DEFAULT_HTTP_BACKOFF, DEFAULT_LEDGER_PATH, DEFAULT_OVERPASS_URL, DEFAULT_SYNTHETIC_SEGMENTS,
  detectOsmFormat, fetchRoadNetworkFromOverpass, freePerMonth, generateShard, generateShardAsync,
  generateShardTable, hereAdapter, hereClient, hereRequestsForCity, ImportMappingError, ImportRowError,
  InvalidShardSpecError, loadApiKeys, loadRoadNetwork, MalformedResponseError, mapboxAdapter, mapboxClient,
  mapboxRequestsForSegments, marginalCostUsd, maxspeedFromTags, MissingApiKeyError, monthCostUsd,
  openHistoricalImport, OsmFileError, overpassQuery, OverpassQueryError, ParquetFileError, parseMaxspeed,
  parseRetryAfter, PROVIDER_CATALOG, ProviderAuthError, ProviderClient, ProviderHttpError,
  ProviderTimeoutError, QuotaExceededError, QuotaLedger, RateLimitedError, redactText, redactUrl,
  RoadNetworkBuilder, SecretsFileError, syntheticNetwork, timeGrid, TokenBucket, tomtomAdapter, tomtomClient,
  tomtomRequestsForSegments, type BoundingBox, type CollectResult, type CompiledShardSpec,
  type GenerateOptions, type HereRequest, type HistoricalImport, type HttpBackoffPolicy, type ImportMapping,
  type ImportOptions, type ImportProgress, type ImportStats, type KeyUsage, type LoadKeysOptions,
  type MapboxRequest, type NetworkBuildOptions, type OsmFormat, type OverpassOptions, type PriceTier,
  type ProviderAdapter, type ProviderCatalogEntry, type ProviderClientOptions, type ProviderName,
  type ProviderProgress, type ProviderUsage, type QuotaLimits, type RequestFailure, type Reservation,
  type ShardSpec, type SourceLogger, type TomTomRequest,
  DatasetUnitConflictError, importFiles, type FilesProgress, type ImportedFileResult, type ImportFilesOptions, type ImportFilesResult
} from './sources/index.ts';
export {
  gaussianKernel, GraphFileError, importGraphFile, loadSensorGraph, saveSensorGraph, SensorGraphError, SensorGraphFileError,
  SensorGraphNotFoundError, type GraphOrigin, type ImportGraphOptions, type SensorGraph, type SparseAdjacency
} from './graph/index.ts';
export {
  formatDays, formatUsd, InvalidPlanInputError, parsePlanConfig, PLAN_COLUMNS, planAllSources, planCollection,
  PlanConfigError, planTableRows, SYNTHETIC_SAMPLES_PER_CPU_SECOND, type CatalogOverrides, type CollectionPlan,
  type PlanConfig, type PlanInput, type Scenario
} from './plan/index.ts';
export {
  defaultPartitioning, InvalidShardIdError, Lake, LAKE_METADATA_KEYS, LakeFileError, LakeFileIntegrityError,
  LakeMetadataError, LakeOptionsError, LakeSchemaMismatchError, NullPartitionValueError, openLake,
  parsePartitionPath, partitionPath, PartitionSpecError, ShardPublishError, ShardWriteError, takeRows,
  type CommittedShard, type DamagedFile, type FileDamage, type LakeLogger, type LakeOptions, type LakeProgress,
  type LakeStats, type PartitionField, type PartitionListing, type ProgressCallback, type RecoverOptions,
  type RecoverReport, type ScanFilter, type ScanOptions, type ShardInput, type ShardWriteResult,
  type VerifyOptions, type VerifyReport, type WriteShardOptions,
  readDatasetInfo, type DatasetInfo, type SpeedUnit
} from './lake/index.ts';
export {
  collect, CollectError, CollectOptionsError, collectOptionsSchema, describeCause, jobFingerprint,
  parseCollectOptions, planShards, ShardIncompleteError, type CollectOptions, type CollectProgress,
  type CollectSummary, type FailureCause, type FailureKind, type PlannedShard, type ProviderShardOptions,
  type ShardJob, type ShardOutcome, type ShardPlanInput
} from './collect/index.ts';
export {
  Adam, BACKEND_ORDER, BackendUnavailableError, CheckpointMismatchError, CheckpointStore,
  CorruptArtifactError, DataParallelTrainer, createModel, createPredictFn, decodeTensors, DEFAULT_HORIZONS_MIN,
  defaultMapeFloor, describeBackend, describeSpec, DivergedError, encodeMlpFeatures, encodeStream,
  encodeTensors, ErrorAccumulator, evaluate, FeatureSchemaError, fitHistoricalAverage, flattenGrads,
  formatValidationTable, GruModel, HistoricalAverage, inputWidth, loadArtifacts,
  MLP_FEATURE_COUNT, MLP_FEATURES, MlpModel, ModelNotFoundError, ModelRegistry, modelSpecSchema, Normalizer,
  NormalizerFit, parseModelSpec, parseTrainSettings, pipelineFor, Predictor, readParams,
  saveArtifacts, selectBackend, soloExchange, TRAFFIC_METRICS, TRAFFIC_SPACE_KEYS, TRAFFIC_TRAINABLE,
  TrafficTrainable, trafficTrialConfigSchema, TrainingFailedError, TrainingOptionsError, trainModel, trainSettingsSchema,
  unflattenGrads, validateModel, writeParams, type BackendChoice, type BackendName, type Checkpoint,
  type CheckpointMeta, type DataParallelOptions, type DataParallelResult, type EncodedBatch, type Encoder, type EpochReport, type ErrorMetrics,
  type FeaturePipeline, type GradientExchange, type Model, type ModelArtifacts, type ModelSpec,
  type ModelSpecInput, type NamedArrays, type NormalizerJSON, type PredictFn, type PredictInput,
  type RegisterInput, type RowMeta, type Target, type TimeRange, type TrafficTrialConfig,
  type TrainingProgress, type TrainOptions, type TrainResult, type TrainSettings, type TrainSettingsInput,
  type ValidateOptions, type ValidationReport, type VersionInfo
} from './training/index.ts';
export {
  BusyError, FORECAST_REPLICA, ForecastInputError, ForecastReplica, ForecastService, MicroBatcher, MissingReadingError, parseForecastRequest,
  ServiceStartError, startHttpFront, type Forecast, type ForecastHorizon, type ForecastQuery, type ForecastServiceOptions, type HttpFront,
  type HttpFrontOptions, type IncompleteSensor, type LakeForecastOptions, type Reading, type SensorHistory, type ServiceStats
} from './serving/index.ts';
export { runEndToEnd, type EndToEndOptions, type EndToEndReport } from './end-to-end/run-end-to-end.ts';
