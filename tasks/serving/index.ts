/**
 * Serving: forecasts from a sensor's recent readings (the inputs of `Predictor.forecast`), with the history
 * passed by the caller or read from a lake, and the HTTP forecast service behind `convoy serve` (replica
 * actors on the cluster, micro-batching, a bearer token, reload on promote).
 */
export { ForecastInputError, type Forecast, type ForecastHorizon, type Instant, type Reading, type SensorHistory } from './forecast-input.ts';
export { MissingReadingError, type IncompleteSensor, type LakeForecastOptions } from './lake-history.ts';
