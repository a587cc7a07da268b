/**
 * `convoy/tasks/sources`: traffic sources, each producing record batches in `sampleSchema`:
 *
 * - synthetic: `generateShard({ seed, city, from, to, samples, segments? })`, deterministic per spec;
 * - OSM road networks: `loadRoadNetwork(path)` (.osm.pbf, .osm/.osm.xml, bzip2 or gzip) and
 *   `fetchRoadNetworkFromOverpass(bbox)`;
 * - provider APIs: `tomtomClient()`, `hereClient()`, `mapboxClient()` with keys from the environment or a
 *   secrets file, per-key rate limits, a persistent quota ledger, retries, and cost counting;
 * - historical files: `openHistoricalImport(path, mapping)` for CSV and Parquet, long or wide.
 *
 * Their errors extend `TrafficError` and are registered, so a task's `RateLimitedError` reaches `get()` as
 * one (the `cause` of its `TaskError`), with `retryAfterMs`.
 *
 * @example
 * ```ts
 * import { generateShard, tomtomClient, tomtomRequestsForSegments, syntheticNetwork } from 'convoy/tasks/sources';
 * import { cityProfile } from 'convoy/tasks';
 *
 * const batches = generateShard({ seed: 1, city: 'berlin', from: Date.UTC(2026, 0, 5), to: Date.UTC(2026, 0, 6), samples: 100_000 });
 * const client = tomtomClient(); // keys from TOMTOM_API_KEY or a secrets file
 * const berlin = cityProfile('berlin');
 * const { segments } = syntheticNetwork(berlin, 1);
 * const result = await client.collect(tomtomRequestsForSegments(berlin, segments.slice(0, 10)));
 * ```
 */
export {
  MalformedResponseError,
  MissingApiKeyError,
  ProviderAuthError,
  ProviderHttpError,
  type ProviderName,
  ProviderTimeoutError,
  QuotaExceededError,
  RateLimitedError,
  SecretsFileError,
} from './errors.ts';

export { type GenerateOptions, generateShard, generateShardAsync, generateShardTable, timeGrid } from './synthetic/generator.ts';
export { type CompiledShardSpec, InvalidShardSpecError, type ShardSpec, compileShardSpec } from './synthetic/shard-spec.ts';
export { DEFAULT_SYNTHETIC_SEGMENTS, syntheticNetwork } from './synthetic/network.ts';

export { OsmFileError, OverpassQueryError } from './osm/errors.ts';
export { type OsmFormat, cachedRoadNetwork, detectOsmFormat, loadRoadNetwork } from './osm/load.ts';
export { type NetworkBuildOptions, RoadNetworkBuilder } from './osm/network-builder.ts';
export { maxspeedFromTags, parseMaxspeed } from './osm/maxspeed.ts';
export { type BoundingBox, DEFAULT_OVERPASS_URL, type OverpassOptions, fetchRoadNetworkFromOverpass, overpassQuery } from './osm/overpass.ts';

export { ApiKey } from './http/api-key.ts';
export { API_KEY_ENV, type LoadKeysOptions, loadApiKeys } from './http/secrets.ts';
export { type KeyUsage, QuotaLedger, type QuotaLimits, type Reservation } from './http/quota-ledger.ts';
export { TokenBucket } from './http/token-bucket.ts';
export { type HttpBackoffPolicy, DEFAULT_HTTP_BACKOFF, backoffDelayMs, parseRetryAfter } from './http/backoff.ts';
export { redactText, redactUrl } from './http/redact.ts';

export {
  type ProviderProgress,
  type CollectResult,
  DEFAULT_LEDGER_PATH,
  type ProviderAdapter,
  ProviderClient,
  type ProviderClientOptions,
  type ProviderUsage,
  type RequestFailure,
  type SourceLogger,
} from './providers/client.ts';
export { DAYS_PER_MONTH, PROVIDER_CATALOG, type PriceTier, type ProviderCatalogEntry, freePerMonth, marginalCostUsd, monthCostUsd } from './providers/catalog.ts';
export { type TomTomRequest, tomtomAdapter, tomtomClient } from './providers/tomtom.ts';
export { type HereRequest, hereAdapter, hereClient } from './providers/here.ts';
export { type MapboxRequest, mapboxAdapter, mapboxClient } from './providers/mapbox.ts';

export { type HistoricalImport, type ImportOptions, type ImportProgress, openHistoricalImport } from './import/historical.ts';
export { type ImportMapping, ImportMappingError, compileMapping } from './import/mapping.ts';
export { type ImportStats, ImportRowError } from './import/convert.ts';
export { CsvFileError } from './import/read-csv.ts';
export { DatasetUnitConflictError, importFiles, type FilesProgress, type ImportedFileResult, type ImportFilesOptions, type ImportFilesResult } from './import/import-files.ts';
export { ParquetFileError } from './import/read-parquet.ts';
export { hereRequestsForCity, mapboxRequestsForSegments, tomtomRequestsForSegments } from './providers/requests.ts';
