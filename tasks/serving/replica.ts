/**
 * A forecast replica: the actor `convoy serve` runs N of, each holding one Predictor of a registered model.
 *
 * One call answers a whole micro-batch (forecast-service.ts): the queries that pass their sensors' readings
 * are encoded into one model call; a query that reads its history from the lake is one call of its own. Each
 * query gets its own answer, so a bad sensor in one request fails that request only, never the others of its
 * batch. `load(version)` swaps the predictor between calls (actor calls run one at a time, in order), so calls
 * sent before it answer with the old version and calls after it with the new: nothing in flight is dropped.
 * Answers carry the version that made them.
 */
import path from 'node:path';
import { openStorage } from '../../cluster/storage/index.ts';
import { openLake, type Lake } from '../lake/index.ts';
import { ModelRegistry } from '../training/artifacts/registry.ts';
import type { BackendName } from '../training/backend.ts';
import { Predictor } from '../training/predictor.ts';
import { ForecastInputError, type Forecast, type SensorHistory } from './forecast-input.ts';
import { MissingReadingError, type IncompleteSensor } from './lake-history.ts';

/** The module workers import the replica from (pass to `cluster.actor`). */
export const FORECAST_REPLICA = new URL(import.meta.url);

export interface ReplicaOptions {
  /** Registry location (a folder or s3:// URL) as the worker sees it. */
  registry: string;
  model: string;
  /** Version to load first. @default 'promoted' */
  version?: number | 'promoted';
  /** A lake to read histories from (queries with `fromLake`). */
  lake?: string;
  backends?: BackendName[];
}

/** One request of a batch: sensors with their readings, or sensors whose history is read from the lake. */
export type ForecastQuery = { sensors: SensorHistory[] } | { fromLake: { sensors?: string[]; at?: number; city?: string } };

/** What went wrong with one query, with the HTTP status that says whose fault it is. */
export interface QueryError {
  status: 400 | 422 | 500;
  name: string;
  message: string;
  field?: string;
}

export type QueryAnswer = { forecasts: Forecast[]; incomplete?: IncompleteSensor[] } | { error: QueryError };

export interface BatchAnswer {
  /** The model version that made every answer of this batch. */
  version: number;
  answers: QueryAnswer[];
}

export class ForecastReplica {
  readonly #registry: ModelRegistry;
  readonly #options: ReplicaOptions;
  #predictor: Predictor | undefined;
  #loading: Promise<void>;
  #lake: Promise<Lake> | undefined;

  constructor(options: ReplicaOptions) {
    this.#options = options;
    this.#registry = new ModelRegistry(openStorage(options.registry));
    // A constructor cannot await; the first call does. After a restart the replica comes back with the
    // promoted version (the service reloads it if another is wanted).
    this.#loading = this.#swap(options.version ?? 'promoted');
    this.#loading.catch(() => undefined);
  }

  async #swap(version: number | 'promoted'): Promise<void> {
    const next = await Predictor.load(this.#registry, this.#options.model, { version, ...(this.#options.backends ? { backends: this.#options.backends } : {}) });
    const old = this.#predictor;
    this.#predictor = next;
    old?.close();
  }

  async #ready(): Promise<Predictor> {
    await this.#loading;
    return this.#predictor!;
  }

  /** The version this replica serves. */
  async version(): Promise<number> {
    return (await this.#ready()).info!.version;
  }

  /** Serves another version from the next call on; on failure the old one stays and the error is thrown. */
  async load(version: number): Promise<number> {
    await this.#loading.catch(() => undefined);
    if (this.#predictor?.info?.version === version) return version;
    this.#loading = this.#swap(version);
    await this.#loading;
    return version;
  }

  async forecast(queries: ForecastQuery[]): Promise<BatchAnswer> {
    const predictor = await this.#ready();
    const answers: QueryAnswer[] = new Array(queries.length);
    const withReadings: number[] = [];
    for (let i = 0; i < queries.length; i++) {
      const q = queries[i]!;
      if ('sensors' in q) withReadings.push(i);
      else answers[i] = await this.#fromLake(predictor, q.fromLake);
    }
    const histories = withReadings.flatMap((i) => (queries[i] as { sensors: SensorHistory[] }).sensors);
    try {
      // The common case: every query is valid, and the whole batch is one model call.
      const all = await predictor.forecast(histories);
      let at = 0;
      for (const i of withReadings) {
        const n = (queries[i] as { sensors: SensorHistory[] }).sensors.length;
        answers[i] = { forecasts: all.slice(at, at + n) };
        at += n;
      }
    } catch (err) {
      if (!(err instanceof ForecastInputError)) throw err;
      // Some query is bad: answer each on its own, so only the bad ones fail.
      for (const i of withReadings) answers[i] = await answerOf(() => predictor.forecast((queries[i] as { sensors: SensorHistory[] }).sensors).then((forecasts) => ({ forecasts })));
    }
    return { version: predictor.info!.version, answers };
  }

  async #fromLake(predictor: Predictor, q: { sensors?: string[]; at?: number; city?: string }): Promise<QueryAnswer> {
    const location = this.#options.lake;
    if (!location) return { error: { status: 400, name: 'NoLakeError', message: 'this service reads no lake: pass each sensor\'s readings in "sensors", or start convoy serve with --lake', field: 'fromLake' } };
    this.#lake ??= openLake(/^[a-z0-9]+:\/\//i.test(location) ? location : path.resolve(location), { threads: 0 });
    const lake = await this.#lake;
    return answerOf(() => predictor.forecastFromLake(lake, q));
  }

  async close(): Promise<void> {
    this.#predictor?.close();
    await (await this.#lake?.catch(() => undefined))?.close();
  }
}

async function answerOf(run: () => Promise<{ forecasts: Forecast[]; incomplete?: IncompleteSensor[] }>): Promise<QueryAnswer> {
  try {
    return await run();
  } catch (err) {
    if (err instanceof ForecastInputError) return { error: { status: 400, name: err.name, message: `sensors[${err.index}]: ${err.message}`, field: `sensors[${err.index}].${err.field}` } };
    if (err instanceof MissingReadingError) return { error: { status: 422, name: err.name, message: err.message } };
    throw err;
  }
}
