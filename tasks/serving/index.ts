/**
 * Serving: forecasts from a sensor's recent readings (the inputs of `Predictor.forecast`), with the history
 * passed by the caller or read from a lake, and the HTTP forecast service behind `convoy serve` (replica
 * actors on the cluster, micro-batching, a bearer token, reload on promote).
 */
export { ForecastInputError, type Forecast, type ForecastHorizon, type Instant, type Reading, type SensorHistory } from './forecast-input.ts';
export { MissingReadingError, type IncompleteSensor, type LakeForecastOptions } from './lake-history.ts';
export { ForecastService, ServiceStartError, ReplicaTimeoutError, type ForecastServiceOptions, type ServiceAnswer, type ServiceStats, type ReplicaStats } from './forecast-service.ts';
export { startHttpFront, type HttpFront, type HttpFrontOptions, type ForecastBackend } from './http-front.ts';
export { MicroBatcher, BusyError, type MicroBatcherOptions } from './micro-batcher.ts';
export { parseForecastRequest, MAX_SENSORS_PER_REQUEST, MAX_READINGS, type RequestProblem } from './forecast-request.ts';
export { FORECAST_REPLICA, ForecastReplica, type ForecastQuery, type QueryAnswer, type QueryError, type BatchAnswer, type ReplicaOptions } from './replica.ts';
