/**
 * The public face of a cluster connection. `Cluster` is the interface; `RemoteCluster` validates arguments
 * and delegates to the private owner core (piscina's `Piscina` over its `ThreadPool` is the model).
 */
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FunctionRef } from '../proto/convert.ts';
import type { OwnerCore } from './owner-core.ts';
import { ObjectRef, isObjectRef, type RefArgs } from './object-ref.ts';
import { compileActorOptions, compileTaskOptions, type ActorOptions, type TaskOptions } from './options.ts';
import type { ActorRecord, ActorState } from './actors.ts';
import type { ClusterSummary, NodeSummary, ProgressReport, TuneRunSummary } from '../api/head-api.ts';
import { decompileClusterStatus } from '../proto/convert.ts';
import type { PlacementGroup, PlacementGroupOptions } from './placement-groups.ts';

/** How long close() waits for a head that is restarting to be back (its drivers redial for up to a minute). */
const CLOSE_WAITS_FOR_HEAD_MS = 20_000;

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyFunction = (...args: any[]) => unknown;
// eslint-disable-next-line @typescript-eslint/no-explicit-any
type AnyClass = abstract new (...args: any[]) => object;

/** A module that holds task functions or actor classes: `new URL('./tasks.ts', import.meta.url)`, a file URL or a path. */
export type ModuleSpecifier = URL | string;

export type { ClusterSummary, NodeSummary, ProgressReport, TuneRunSummary };

export interface GetOptions {
  /** Throw GetTimeoutError if not all values are ready by then. @default no limit */
  timeoutMs?: number;
}

export interface WaitOptions {
  /** How many refs must be ready. @default 1 */
  numReturns?: number;
  /** Return what is ready after this long. @default no limit */
  timeoutMs?: number;
}

export interface Cluster {
  /** The head's address. */
  readonly address: string;
  /** A task function, to call with `.remote(...args)`. */
  task<F extends AnyFunction>(module: ModuleSpecifier, exportName: string, options?: TaskOptions): RemoteFunction<F>;
  /** An actor class, to start with `.remote(...ctorArgs)`. */
  actor<C extends AnyClass>(module: ModuleSpecifier, className: string, options?: ActorOptions): ActorClass<C>;
  get<T>(ref: ObjectRef<T>, options?: GetOptions): Promise<T>;
  get<T>(refs: readonly ObjectRef<T>[], options?: GetOptions): Promise<T[]>;
  wait(refs: readonly ObjectRef[], options?: WaitOptions): Promise<{ ready: ObjectRef[]; notReady: ObjectRef[] }>;
  put<T>(value: T): ObjectRef<T>;
  /** Cancels a task: dropped if queued; a running one is stopped only with `force` (its thread is ended). */
  cancel(ref: ObjectRef, options?: { force?: boolean }): void;
  /**
   * Frees objects now, on every node, without waiting for their refs to be garbage-collected (which frees
   * them too). A later get() of a freed object fails with ObjectLostError.
   */
  free(refs: ObjectRef | readonly ObjectRef[]): void;
  status(): Promise<ClusterSummary>;
  /** Publishes how far long work is (shown live on the dashboard): call it as often as you like; it is cheap. */
  reportProgress(p: ProgressReport): void;
  /**
   * Records a tune run's trials as they stand in the cluster's history (`convoy tune-runs`, GET
   * /api/tune-runs), which outlives this driver and a head restart. `tune.run` calls it; cheap.
   */
  reportTuneRun(run: TuneRunSummary): void;
  /**
   * Reserves bundles of resources all or nothing (Ray's placement groups), for a gang of tasks or actors that
   * must start together: pass `{ placementGroup: pg, bundleIndex }` in their options. `await pg.ready()` waits
   * until every bundle is placed; `pg.remove()` gives them back (closing this connection does too).
   *
   * @example
   * ```ts
   * const pg = cluster.placementGroup({ bundles: [{ cpu: 1 }, { cpu: 1 }], strategy: 'STRICT_SPREAD' });
   * await pg.ready({ timeoutMs: 30_000 });
   * const ranks = [0, 1].map((i) => Rank.options({ placementGroup: pg, bundleIndex: i }).remote(i));
   * ```
   */
  placementGroup(options: PlacementGroupOptions): PlacementGroup;
  close(): Promise<void>;
  [Symbol.asyncDispose](): Promise<void>;
}

export class RemoteFunction<F extends AnyFunction> {
  readonly #core: OwnerCore;
  readonly #fn: FunctionRef;
  readonly #key: string;
  readonly #given: TaskOptions | undefined;
  readonly #opts: ReturnType<typeof compileTaskOptions>;

  constructor(core: OwnerCore, fn: FunctionRef, options: TaskOptions | undefined) {
    this.#core = core;
    this.#fn = fn;
    this.#key = `${fn.packageId ?? ''}|${fn.packagePath ?? fn.moduleUrl}#${fn.exportName}`;
    this.#given = options;
    this.#opts = compileTaskOptions(options);
  }

  /** Submits the task; arguments may be values or ObjectRefs (resolved before it runs). */
  remote(...args: RefArgs<Parameters<F>>): ObjectRef<Awaited<ReturnType<F>>> {
    return this.#core.submitTask(this.#fn, this.#key, this.#opts, args) as ObjectRef<Awaited<ReturnType<F>>>;
  }

  /** The same function with some options changed, as Ray's `.options()`. */
  options(options: TaskOptions): RemoteFunction<F> {
    return new RemoteFunction<F>(this.#core, this.#fn, { ...this.#given, ...options });
  }
}

/** Method names of T, optional methods included. */
type Methods<T> = { [K in keyof T]-?: NonNullable<T[K]> extends AnyFunction ? K : never }[keyof T] & string;
type MethodOf<T, K extends keyof T> = NonNullable<T[K]> extends AnyFunction ? NonNullable<T[K]> : never;

export class ActorHandle<T extends object> {
  readonly #core: OwnerCore;
  readonly #record: ActorRecord;

  constructor(core: OwnerCore, record: ActorRecord) {
    this.#core = core;
    this.#record = record;
  }

  get actorId(): string {
    return this.#record.actorId;
  }

  get state(): ActorState {
    return this.#record.state;
  }

  /** Calls a method; calls run one at a time, in the order they were made. */
  call<K extends Methods<T>>(method: K, ...args: RefArgs<Parameters<MethodOf<T, K>>>): ObjectRef<Awaited<ReturnType<MethodOf<T, K>>>> {
    if (typeof method !== 'string' || !method) throw new TypeError('actor method name must be a non-empty string');
    return this.#core.actors.call(this.#record, method, args) as ObjectRef<never>;
  }

  /** Resolves once the actor's first instance is constructed; rejects with ActorDiedError if it never is. */
  ready(): Promise<void> {
    return this.#record.ready();
  }

  /** Stops the actor and frees its resources; pending calls fail with ActorDiedError. */
  kill(): void {
    this.#core.actors.kill(this.#record);
  }
}

export class ActorClass<C extends AnyClass> {
  constructor(
    private readonly core: OwnerCore,
    private readonly cls: FunctionRef,
    private readonly given: ActorOptions | undefined,
  ) {
    compileActorOptions(given); // validate now, at the call that passed them
  }

  remote(...args: RefArgs<ConstructorParameters<C>>): ActorHandle<InstanceType<C>> {
    const record = this.core.actors.create(this.cls, compileActorOptions(this.given), args);
    return new ActorHandle<InstanceType<C>>(this.core, record);
  }

  options(options: ActorOptions): ActorClass<C> {
    return new ActorClass<C>(this.core, this.cls, { ...this.given, ...options });
  }
}

export class RemoteCluster implements Cluster {
  readonly #core: OwnerCore;
  readonly #onClose: (() => Promise<void>) | undefined;
  #closing: Promise<void> | undefined;

  constructor(core: OwnerCore, onClose?: () => Promise<void>) {
    this.#core = core;
    this.#onClose = onClose;
  }

  get address(): string {
    return this.#core.head.address;
  }

  task<F extends AnyFunction>(module: ModuleSpecifier, exportName: string, options?: TaskOptions): RemoteFunction<F> {
    this.#core.assertOpen();
    return new RemoteFunction<F>(this.#core, functionRef(module, exportName), options);
  }

  actor<C extends AnyClass>(module: ModuleSpecifier, className: string, options?: ActorOptions): ActorClass<C> {
    this.#core.assertOpen();
    return new ActorClass<C>(this.#core, functionRef(module, className), options);
  }

  get<T>(ref: ObjectRef<T>, options?: GetOptions): Promise<T>;
  get<T>(refs: readonly ObjectRef<T>[], options?: GetOptions): Promise<T[]>;
  async get<T>(refOrRefs: ObjectRef<T> | readonly ObjectRef<T>[], options: GetOptions = {}): Promise<T | T[]> {
    if (Array.isArray(refOrRefs)) {
      refOrRefs.forEach((r, i) => assertRef(r, `get(refs[${i}])`));
      return (await this.#core.objects.get(refOrRefs, options.timeoutMs)) as T[];
    }
    assertRef(refOrRefs, 'get(ref)');
    const [v] = await this.#core.objects.get([refOrRefs as ObjectRef<T>], options.timeoutMs);
    return v as T;
  }

  wait(refs: readonly ObjectRef[], options: WaitOptions = {}) {
    refs.forEach((r, i) => assertRef(r, `wait(refs[${i}])`));
    return this.#core.objects.wait(refs, options.numReturns ?? 1, options.timeoutMs);
  }

  put<T>(value: T): ObjectRef<T> {
    return this.#core.objects.put(value) as ObjectRef<T>;
  }

  cancel(ref: ObjectRef, options: { force?: boolean } = {}): void {
    assertRef(ref, 'cancel(ref)');
    this.#core.cancel(ref, options.force ?? false);
  }

  free(refs: ObjectRef | readonly ObjectRef[]): void {
    const list = Array.isArray(refs) ? refs : [refs as ObjectRef];
    list.forEach((r, i) => assertRef(r, `free(refs[${i}])`));
    this.#core.objects.free(list);
  }

  reportProgress(p: ProgressReport): void {
    this.#core.head.progress(p);
  }

  reportTuneRun(run: TuneRunSummary): void {
    this.#core.head.tuneReport(run);
  }

  placementGroup(options: PlacementGroupOptions): PlacementGroup {
    this.#core.assertOpen();
    return this.#core.placementGroups.create(options);
  }

  async status(): Promise<ClusterSummary> {
    return decompileClusterStatus(await this.#core.head.status());
  }

  /** Closes the connection (and the embedded cluster, if this connection started one). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      // The driver's last word (final task counts, goodbye) must reach the head, also when the head is
      // restarting: a session that broke before the head answered the goodbye is reopened (which repeats the
      // latest tune reports) and the goodbye said again, within a bound.
      const deadline = Date.now() + CLOSE_WAITS_FOR_HEAD_MS;
      while (!this.#core.closed && Date.now() < deadline) {
        await this.#core.awaitHead(deadline - Date.now());
        if (await this.#core.farewell(Math.max(1, deadline - Date.now()))) break;
        if (!this.#core.reconnecting) break;
      }
      this.#core.close();
      if (this.#onClose) await this.#onClose();
    })();
    return this.#closing;
  }

  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }
}

function assertRef(r: unknown, where: string): asserts r is ObjectRef {
  if (!isObjectRef(r)) throw new TypeError(`${where}: expected an ObjectRef (from .remote() or put()), got ${typeof r}`);
}

/**
 * Turns a module specifier into what workers import. Inside a job, modules under the uploaded working
 * directory are named by the package and their relative path, so each worker imports its own copy.
 */
export function functionRef(module: ModuleSpecifier, exportName: string): FunctionRef {
  if (typeof exportName !== 'string' || !exportName) throw new TypeError('export name must be a non-empty string');
  let url: string;
  if (module instanceof URL) url = module.href;
  else if (typeof module === 'string' && /^[a-z][a-z0-9+.-]*:/i.test(module) && !/^[a-z]:[\\/]/i.test(module)) url = module;
  else if (typeof module === 'string' && module) url = pathToFileURL(path.resolve(module)).href;
  else throw new TypeError('module must be a URL (e.g. new URL("./tasks.ts", import.meta.url)) or a file path');
  const workDir = process.env.CONVOY_WORKING_DIR;
  const packageId = process.env.CONVOY_PACKAGE_ID;
  if (workDir && packageId && url.startsWith('file:')) {
    const rel = path.relative(workDir, fileURLToPath(url));
    if (rel && !rel.startsWith('..') && !path.isAbsolute(rel)) {
      return { moduleUrl: url, exportName, packageId, packagePath: rel.split(path.sep).join('/') };
    }
  }
  return { moduleUrl: url, exportName };
}

