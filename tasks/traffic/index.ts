/**
 * The traffic data model: the canonical sample schema, road classes and networks, city profiles, local
 * time, the source names, the columnar batch builder every source writes through, and the base class of the
 * workloads' errors.
 */
export { TrafficError, registerTrafficErrors } from './errors.ts';
export {
  type ColumnRange,
  type RangedColumn,
  type Sample,
  type SampleColumn,
  SAMPLE_COLUMNS,
  SAMPLE_RANGES,
  congestionOf,
  describeRange,
  inRange,
  sampleSchema,
} from './schema.ts';
export {
  SampleBatchBuilder,
  type SampleDictionaries,
  StringDictionary,
  batchesFromSamples,
  encodeSegmentId,
  recordBatchOf,
  sharedDictionaries,
} from './batch-builder.ts';
export { PROVIDER_NAMES, SOURCE_NAMES, importSourceName, isSourceName, type ProviderSourceName, type SourceName } from './source-names.ts';
export { CITY_KEYS, CITY_PROFILES, type CityProfile, type RushHourShape, UnknownCityError, cityProfile } from './cities.ts';
export { DEFAULT_MAXSPEED_KMH, ROAD_CLASSES, type RoadClass, isRoadClass, roadClassOfHighway } from './road-classes.ts';
export { type RoadNetwork, type RoadNetworkStats, type RoadSegment, haversineM } from './road-network.ts';
export {
  DAY_MS,
  HOUR_MS,
  UnknownTimeZoneError,
  isoDayOfWeekOf,
  localHourOf,
  utcOffsetMs,
  utcOffsetsByHour,
  zonedWallClockToUtc,
} from './local-time.ts';
