/**
 * The forecast service behind `convoy serve`: N replica actors on the cluster, each holding a Predictor of
 * the promoted version, fed by one micro-batcher, and kept on the promoted version by polling the registry.
 *
 * - **Batching.** Requests queue in a {@link MicroBatcher}; each closed batch is one actor call to the
 *   least-loaded replica (fewest calls in flight; ties go round-robin), which answers every request of it.
 * - **Reload.** Every `pollMs` the service reads `promoted.json`. When another version is promoted it sends
 *   `load(version)` to every replica. An actor runs its calls one at a time in call order, so the batches sent
 *   before the load answer with the old version and those after it with the new one; nothing is dropped or
 *   refused while a replica reloads (its later batches wait behind the load). Each answer names its version.
 *   A version that fails to load leaves the replicas on the old one; the error shows in `stats()` and the
 *   next poll tries again.
 * - **Close.** Stops polling, flushes the queue, waits for the calls in flight, then stops the replicas.
 */
import type { ActorHandle, Cluster } from '../../cluster/client/index.ts';
import { openStorage } from '../../cluster/storage/index.ts';
import { ModelRegistry } from '../training/artifacts/registry.ts';
import type { BackendName } from '../training/backend.ts';
import { ModelNotFoundError } from '../training/errors.ts';
import { registerTrafficErrors, TrafficError } from '../traffic/errors.ts';
import { MicroBatcher, type MicroBatcherOptions } from './micro-batcher.ts';
import { FORECAST_REPLICA, type ForecastQuery, type ForecastReplica, type QueryAnswer } from './replica.ts';

/** The replicas could not be started (placed, or their model loaded) in time. */
export class ServiceStartError extends TrafficError {
  override readonly name = 'ServiceStartError';
}

/** A replica took longer than `callTimeoutMs` to answer a batch (it is busy, or stuck). */
export class ReplicaTimeoutError extends TrafficError {
  override readonly name = 'ReplicaTimeoutError';
  constructor(
    readonly timeoutMs: number,
    options?: { cause?: unknown },
  ) {
    super(`a replica did not answer within ${timeoutMs / 1000} s: retry, or run the service with more --replicas`, options);
  }
}

export interface ForecastServiceOptions {
  cluster: Cluster;
  /** Registry location (a folder or s3:// URL) as the cluster's workers see it. */
  registry: string;
  model: string;
  /** Replica actors. @default 2 */
  replicas?: number;
  /** CPUs each replica holds. @default 1 */
  replicaCpus?: number;
  /** A lake replicas read histories from, for requests that name sensors only. */
  lake?: string;
  batch?: MicroBatcherOptions;
  /** How often the registry is read for a newly promoted version. @default 2000 */
  pollMs?: number;
  backends?: BackendName[];
  /** How long a batch may take on its replica before its requests fail (504). @default 30000 */
  callTimeoutMs?: number;
  /** How long start() waits for every replica to be placed and load its model. @default 120000 */
  startTimeoutMs?: number;
  /** Called on each state change (`started`, `reloaded`, `reload failed`, `stopped`); never with a token. */
  log?: (event: string, fields: Record<string, unknown>) => void;
}

/** A request's answer and the version that made it. */
export type ServiceAnswer = QueryAnswer & { version: number };

export interface ReplicaStats {
  /** Batches (actor calls) this replica answered or is answering. */
  calls: number;
  inFlight: number;
  /** Version of its latest answer (or load). */
  version: number;
}

export interface ServiceStats {
  model: string;
  /** The version every replica was last told to serve. */
  version: number;
  requests: number;
  /** Replica calls made: with batching, fewer than requests under load. */
  batches: number;
  queued: number;
  reloads: number;
  lastReloadError?: string;
  replicas: ReplicaStats[];
}

interface Replica {
  handle: ActorHandle<ForecastReplica>;
  stats: ReplicaStats;
}

export class ForecastService {
  readonly #o: ForecastServiceOptions;
  readonly #registry: ModelRegistry;
  readonly #replicas: Replica[];
  readonly #batcher: MicroBatcher<ForecastQuery, ServiceAnswer>;
  #version: number;
  #cursor = 0;
  #reloads = 0;
  #lastReloadError: string | undefined;
  #timer: NodeJS.Timeout | undefined;
  #polling: Promise<void> | undefined;
  #inFlight = new Set<Promise<unknown>>();
  #closing: Promise<void> | undefined;

  private constructor(o: ForecastServiceOptions, registry: ModelRegistry, replicas: Replica[], version: number) {
    this.#o = o;
    this.#registry = registry;
    this.#replicas = replicas;
    this.#version = version;
    this.#batcher = new MicroBatcher((queries) => this.#dispatch(queries), o.batch);
  }

  /** Starts the replicas on the promoted version and waits until each has loaded it. */
  static async start(o: ForecastServiceOptions): Promise<ForecastService> {
    const count = o.replicas ?? 2;
    if (!(Number.isInteger(count) && count >= 1)) throw new RangeError(`replicas must be a whole number ≥ 1, got ${count}`);
    const registry = new ModelRegistry(openStorage(o.registry));
    const version = await registry.promotedVersion(o.model);
    if (version === undefined) throw new ModelNotFoundError(o.model, (await registry.versions(o.model)).length ? 'promoted' : undefined, registry.storage.url);
    const cls = o.cluster.actor<typeof ForecastReplica>(FORECAST_REPLICA, 'ForecastReplica', { cpu: o.replicaCpus ?? 1, maxRestarts: 3, scheduling: 'spread', name: `serve:${o.model}` });
    const handles = Array.from({ length: count }, () => cls.remote({ registry: o.registry, model: o.model, version, ...(o.lake ? { lake: o.lake } : {}), ...(o.backends ? { backends: o.backends } : {}) }));
    const timeoutMs = o.startTimeoutMs ?? 120_000;
    try {
      await Promise.all(handles.map(async (h) => o.cluster.get(h.call('version'), { timeoutMs })));
    } catch (err) {
      for (const h of handles) h.kill();
      if ((err as Error).name === 'GetTimeoutError') {
        throw new ServiceStartError(
          `the ${count} replica(s) of ${o.model} did not start within ${timeoutMs / 1000} s: the cluster may lack ${count} × ${o.replicaCpus ?? 1} free CPU(s) ` +
            '(see convoy status); ask for fewer replicas or fewer CPUs each (--replicas, --replica-cpus)',
          { cause: err },
        );
      }
      throw err;
    }
    const service = new ForecastService(o, registry, handles.map((handle) => ({ handle, stats: { calls: 0, inFlight: 0, version } })), version);
    service.#timer = setInterval(() => void service.checkForPromotion(), o.pollMs ?? 2000);
    service.#timer.unref();
    o.log?.('started', { model: o.model, version, replicas: count });
    return service;
  }

  get version(): number {
    return this.#version;
  }

  /** Forecasts for one request, batched with the requests around it. Rejects with BusyError when overloaded. */
  forecast(query: ForecastQuery): Promise<ServiceAnswer> {
    if (this.#closing) return Promise.reject(new Error('the forecast service is stopping'));
    return this.#batcher.submit(query);
  }

  stats(): ServiceStats {
    return {
      model: this.#o.model,
      version: this.#version,
      requests: this.#batcher.requests,
      batches: this.#batcher.batches,
      queued: this.#batcher.queued,
      reloads: this.#reloads,
      ...(this.#lastReloadError ? { lastReloadError: this.#lastReloadError } : {}),
      replicas: this.#replicas.map((r) => ({ ...r.stats })),
    };
  }

  /** Reads the promoted version once and reloads the replicas if it changed (the poll timer calls this). */
  checkForPromotion(): Promise<void> {
    this.#polling ??= this.#poll().finally(() => (this.#polling = undefined));
    return this.#polling;
  }

  async #poll(): Promise<void> {
    if (this.#closing) return;
    let promoted: number | undefined;
    try {
      promoted = await this.#registry.promotedVersion(this.#o.model);
    } catch (err) {
      this.#lastReloadError = `reading the promoted version: ${(err as Error).message}`;
      return;
    }
    if (promoted === undefined || promoted === this.#version) return;
    const from = this.#version;
    try {
      await Promise.all(
        this.#replicas.map(async (r) => {
          r.stats.version = await this.#o.cluster.get(r.handle.call('load', promoted));
        }),
      );
      this.#version = promoted;
      this.#reloads++;
      this.#lastReloadError = undefined;
      this.#o.log?.('reloaded', { model: this.#o.model, from, to: promoted });
    } catch (err) {
      this.#lastReloadError = `loading v${promoted}: ${(err as Error).message}`;
      this.#o.log?.('reload failed', { model: this.#o.model, version: promoted, error: (err as Error).message });
    }
  }

  /** The replica with the fewest calls in flight, the next in turn among equals. */
  #pick(): Replica {
    let best = -1;
    for (let k = 0; k < this.#replicas.length; k++) {
      const i = (this.#cursor + k) % this.#replicas.length;
      if (best < 0 || this.#replicas[i]!.stats.inFlight < this.#replicas[best]!.stats.inFlight) best = i;
    }
    this.#cursor = (best + 1) % this.#replicas.length;
    return this.#replicas[best]!;
  }

  async #dispatch(queries: ForecastQuery[]): Promise<ServiceAnswer[]> {
    const r = this.#pick();
    r.stats.calls++;
    r.stats.inFlight++;
    const timeoutMs = this.#o.callTimeoutMs ?? 30_000;
    const call = this.#o.cluster.get(r.handle.call('forecast', queries), { timeoutMs }).catch((err: unknown) => {
      if ((err as Error).name === 'GetTimeoutError') throw new ReplicaTimeoutError(timeoutMs, { cause: err });
      throw err;
    });
    this.#inFlight.add(call);
    try {
      const { version, answers } = await call;
      r.stats.version = version;
      // A replica that restarted (its thread or node died) comes back on the version it was created with:
      // bring it to the one the others serve. (During a reload the poll itself moves every replica.)
      if (version !== this.#version && !this.#polling && !this.#closing) {
        this.#o.cluster.get(r.handle.call('load', this.#version)).then(
          (v) => (r.stats.version = v),
          (err: unknown) => (this.#lastReloadError = `bringing a replica to v${this.#version}: ${(err as Error).message}`),
        );
      }
      return answers.map((a) => ({ ...a, version }));
    } finally {
      r.stats.inFlight--;
      this.#inFlight.delete(call);
    }
  }

  /** Stops polling, answers what is queued and in flight, then stops the replicas. Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer);
      await this.#polling?.catch(() => undefined);
      this.#batcher.flush();
      await Promise.allSettled([...this.#inFlight]);
      await Promise.allSettled(this.#replicas.map((r) => this.#o.cluster.get(r.handle.call('close'), { timeoutMs: 10_000 })));
      for (const r of this.#replicas) r.handle.kill();
      this.#o.log?.('stopped', { model: this.#o.model });
    })();
    return this.#closing;
  }
}

registerTrafficErrors(ServiceStartError, ReplicaTimeoutError);
