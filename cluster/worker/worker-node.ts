/**
 * A worker node: registers its resources with the head, heartbeats over a long-lived session, serves task
 * streams from clients that hold leases on it, runs tasks in its thread pool and actors in their own threads
 * or processes, and keeps an object store that other nodes and clients pull from.
 *
 * Its parts: task-stream.ts (one client's stream), argument-resolver.ts (a task's arguments from the store),
 * directory-reporter.ts (the head's object directory, batched per tick), memory-monitor.ts (stops the newest
 * task when the node runs short of memory), the drain (below: `convoy drain` ends in finishing the work that
 * runs and leaving), objects/transfer.ts (objects to and from other nodes),
 * objects/node-channel-server.ts (the in-process path to its threads).
 */
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdirSync } from 'node:fs';
import { randomId } from '../common/ids.ts';
import { advertiseHost } from '../common/net.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { AuthError, IllegalStateError, MemoryPressureError } from '../common/errors.ts';
import { loadProtos, type HeadServiceClient, type WorkerServiceHandlers } from '../proto/load.ts';
import { compileNodeLoad, compileNodeRegistration, compileObjectListing, type FunctionRef } from '../proto/convert.ts';
import { bindServer, channelCredentials, clientOptions, grpc, requireToken, SERVER_OPTIONS, type TlsOptions } from '../transport/grpc.ts';
import type { ResourceVector } from '../../scheduler/resources.ts';
import type { ObjectLocation } from '../proto/generated/convoy/v1/ObjectLocation.ts';
import type { NodeToHead } from '../proto/generated/convoy/v1/NodeToHead.ts';
import type { HeadToNode__Output } from '../proto/generated/convoy/v1/HeadToNode.ts';
import type { Drain__Output } from '../proto/generated/convoy/v1/Drain.ts';
import { redial } from '../transport/redial.ts';
import { chooseTaskToKill } from '../../scheduler/memory-pressure.ts';
import { MemoryMonitor, type MemorySnapshot } from './memory-monitor.ts';
import { ThreadPoolExecutor } from './pool/thread-pool.ts';
import { GpuExecutor } from './gpu/gpu-executor.ts';
import { ActorExecutors } from './actors/executor.ts';
import { ObjectStore, type ObjectStoreOptions } from '../objects/object-store.ts';
import { PackageCache } from './packages.ts';
import { TaskStream } from './task-stream.ts';
import { ObjectTransfer } from '../objects/transfer.ts';
import { serveNodeChannel, type NodeChannelServer } from '../objects/node-channel-server.ts';
import type { NodeServices } from './node-services.ts';
import type { ClientStream } from './client-stream.ts';
import { ArgumentResolver } from './argument-resolver.ts';
import { DirectoryReporter } from './directory-reporter.ts';
import { NodeLogFiles, type NodeLogPaths } from './log-files.ts';
import { TASK_LOG_ENV } from './runtime/task-output.ts';

export type WorkerNodeState = 'starting' | 'registered' | 'reconnecting' | 'draining' | 'stopped' | 'failed';

export interface WorkerNodeOptions {
  /** host:port of the head's gRPC service. */
  headAddress: string;
  token: string;
  /** Interface to listen on. @default '127.0.0.1' */
  host?: string;
  /** Port for this node's WorkerService. @default 0 (any free port) */
  port?: number;
  /** Port for this node's data plane (raw object bytes; none with TLS). @default 0 (any free port) */
  dataPort?: number;
  /** Address other processes use to reach this node. @default host, or this machine's first IPv4 when host is 0.0.0.0 */
  advertiseHost?: string;
  /** @default os.availableParallelism() */
  numCpus?: number;
  /** @default 0 */
  numGpus?: number;
  /**
   * The device behind each GPU index, as a child's CUDA_VISIBLE_DEVICES names it: a worker started with
   * CUDA_VISIBLE_DEVICES=2,3 offers GPUs 0 and 1, which are devices "2" and "3". @default "0", "1", …
   */
  gpuDevices?: readonly string[];
  /** Custom resources, e.g. `{ tomtom_key: 1 }`. */
  resources?: Record<string, number>;
  /** Schedulable memory in bytes. @default 70% of RAM */
  memory?: number;
  /** Object store budget in bytes. @default 30% of RAM */
  objectStoreMemory?: number;
  /** Results smaller than this travel inline. @default 100 KiB */
  inlineThreshold?: number;
  labels?: Record<string, string>;
  nodeId?: string;
  /** Folder for packages and spill files. @default <tmpdir>/convoy/worker-<nodeId> */
  workDir?: string;
  tls?: TlsOptions;
  log?: Logger;
  /** The log files this node serves to the head (`convoy logs`); `tasks` also receives its tasks' tagged output. */
  logFiles?: NodeLogPaths;
  /** Give up on a lost head after this long. @default 60_000 */
  headLostTimeoutMs?: number;
  /** Second spill tier (e.g. S3) for when the local spill folder passes `diskBytes`. */
  spillOverflow?: ObjectStoreOptions['overflow'];
  /**
   * Fraction of the node's memory in use above which the newest running task is stopped and retried
   * (memory-monitor.ts); 1 turns the monitor off. @default 0.95
   */
  memoryUsageThreshold?: number;
  /** How often the memory monitor reads the node's memory. @default 250 */
  memoryMonitorIntervalMs?: number;
  /** Reads the node's memory (tests pass their own). @default memory-monitor.ts readNodeMemory */
  readMemory?: () => MemorySnapshot;
}

/** At most one "memory pressure but nothing to stop" warning per this many ms. */
const NOTHING_TO_KILL_WARN_MS = 10_000;

/** How often a draining node looks whether the work it waits for is done. */
const DRAIN_LOOK_MS = 100;

/** A drain the head asked for: the work that ran when it began, and the timers that end it. */
interface NodeDrainState {
  readonly waitFor: ReadonlySet<string>;
  readonly look: NodeJS.Timeout;
  deadline?: NodeJS.Timeout;
  finished: boolean;
}

export class WorkerNode implements NodeServices {
  readonly nodeId: string;
  readonly log: Logger;
  readonly pool: ThreadPoolExecutor;
  readonly gpus: GpuExecutor;
  readonly actorExecutors: ActorExecutors;
  readonly store: ObjectStore;
  readonly args: ArgumentResolver;
  readonly inlineThreshold: number;
  readonly childEnv: Record<string, string>;
  readonly #opts: WorkerNodeOptions;
  readonly #server = new grpc.Server(SERVER_OPTIONS);
  readonly #head: HeadServiceClient;
  readonly #packages: PackageCache;
  readonly #transfer: ObjectTransfer;
  readonly #streams = new Set<ClientStream>();
  readonly #total: ResourceVector;
  #state: WorkerNodeState = 'starting';
  #address = '';
  #dataAddress = '';
  #session: grpc.ClientDuplexStream<NodeToHead, HeadToNode__Output> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #heartbeatMs = 1000;
  #closing: Promise<void> | undefined;
  #onFatal: ((reason: string) => void) | undefined;
  #onDrained: (() => void) | undefined;
  #drain: NodeDrainState | undefined;
  readonly #directory: DirectoryReporter;
  #channel: NodeChannelServer | undefined;
  readonly #memoryMonitor: MemoryMonitor;
  readonly #logFiles: NodeLogFiles;
  #nothingToKillWarnedAt = Number.NEGATIVE_INFINITY;

  constructor(opts: WorkerNodeOptions) {
    this.#opts = opts;
    this.nodeId = opts.nodeId ?? `node-${randomId(4)}`;
    this.log = (opts.log ?? createLogger()).child({ component: 'worker', nodeId: this.nodeId });
    const cpus = opts.numCpus ?? os.availableParallelism();
    const totalMem = os.totalmem();
    this.#total = {
      cpu: cpus,
      ...(opts.numGpus ? { gpu: opts.numGpus } : {}),
      memory: Math.floor(opts.memory ?? totalMem * 0.7),
      ...(opts.resources ?? {}),
      // Hidden: caps how many zero-CPU leases one node takes, so `cpu: 0` tasks cannot flood it.
      _slots: Math.max(4, 4 * Math.ceil(cpus)),
    };
    this.inlineThreshold = opts.inlineThreshold ?? 100 * 1024;
    const workDir = opts.workDir ?? path.join(os.tmpdir(), 'convoy', `worker-${this.nodeId}`);
    mkdirSync(workDir, { recursive: true, mode: 0o700 });
    this.#directory = new DirectoryReporter((msg) => this.#session?.write(msg));
    this.store = new ObjectStore({
      budgetBytes: Math.floor(opts.objectStoreMemory ?? totalMem * 0.3),
      spillDir: path.join(workDir, 'spill'),
      overflow: opts.spillOverflow,
      onAdded: (o) => this.#directory.added(this.#location(o.id, o.size), o.owner),
      onRemoved: (id) => this.#directory.removed(id),
      onError: (err, what) => this.log.error({ err: err.message, what }, 'object store I/O failed'),
    });
    this.#packages = new PackageCache(path.join(workDir, 'packages'), opts.token);
    this.childEnv = {
      CONVOY_ADDRESS: opts.headAddress,
      CONVOY_TOKEN: opts.token,
      CONVOY_NODE_ID: this.nodeId,
      // Where a task's own listeners (collective endpoints) bind and what peers dial: the node's interface.
      CONVOY_NODE_HOST: opts.host ?? '127.0.0.1',
      CONVOY_NODE_ADVERTISE_HOST: opts.advertiseHost ?? advertiseHost(opts.host ?? '127.0.0.1'),
      // As in Ray: code that was not granted a GPU sees none, so a CPU task cannot grab a device that the
      // scheduler gave to a GPU task. GPU trainer processes and GPU actors set their own devices over this.
      CUDA_VISIBLE_DEVICES: '',
      ...(opts.logFiles?.tasks ? { [TASK_LOG_ENV]: opts.logFiles.tasks } : {}),
    };
    this.#logFiles = new NodeLogFiles(this.nodeId, opts.logFiles ?? {});
    this.pool = new ThreadPoolExecutor({ threads: Math.max(1, Math.ceil(cpus)), env: this.childEnv });
    this.gpus = new GpuExecutor(this.childEnv, (i) => this.gpuDevice(i));
    this.actorExecutors = new ActorExecutors(this.childEnv, 1, (threadId) => this.#channel?.forgetThread(threadId));
    const { head } = loadProtos();
    this.#head = new head.convoy.v1.HeadService(opts.headAddress, channelCredentials(opts.tls), clientOptions(opts.token)) as unknown as HeadServiceClient;
    this.#transfer = new ObjectTransfer(this.store, opts.token, opts.tls, this.log);
    this.args = new ArgumentResolver(this.store, (loc) => this.#transfer.pull(loc), this.nodeId);
    this.#memoryMonitor = new MemoryMonitor({
      threshold: opts.memoryUsageThreshold ?? 0.95,
      intervalMs: opts.memoryMonitorIntervalMs,
      read: opts.readMemory,
      onPressure: (s) => this.#onMemoryPressure(s),
      onError: (err) => this.log.warn({ err: (err as Error).message }, 'memory monitor could not read memory'),
    });
  }

  /** The CUDA device behind GPU index `index` (see {@link WorkerNodeOptions.gpuDevices}). */
  gpuDevice(index: number): string {
    return this.#opts.gpuDevices?.[index] ?? String(index);
  }

  get state(): WorkerNodeState {
    return this.#state;
  }

  get address(): string {
    return this.#address;
  }

  get totalResources(): ResourceVector {
    return this.#total;
  }

  /** Called when the node stops for a reason of its own (head lost): the process entry exits on it. */
  onFatal(cb: (reason: string) => void): void {
    this.#onFatal = cb;
  }

  /** Called once the node has drained and stopped (`convoy drain`): the process entry exits 0 on it. */
  onDrained(cb: () => void): void {
    this.#onDrained = cb;
  }

  async start(): Promise<void> {
    if (this.#state !== 'starting') throw new IllegalStateError(`worker node is ${this.#state}, cannot start`);
    const { worker } = loadProtos();
    this.#server.addService(
      worker.convoy.v1.WorkerService.service,
      requireToken(this.#opts.token, this.#handlers(), (method, peer) => this.log.warn({ method, peer }, 'grpc call refused: missing or wrong cluster token')),
    );
    const host = this.#opts.host ?? '127.0.0.1';
    const port = await bindServer(this.#server, `${host}:${this.#opts.port ?? 0}`, this.#opts.tls);
    const dataPort = await this.#transfer.listen(host, this.#opts.dataPort ?? 0, this.nodeId);
    const advertised = this.#opts.advertiseHost ?? advertiseHost(host);
    this.#address = `${advertised}:${port}`;
    this.#dataAddress = dataPort ? `${advertised}:${dataPort}` : '';
    await this.#register();
    this.#channel = serveNodeChannel(this.store, this.nodeId, (objectId, size) => this.#location(objectId, size));
    this.#memoryMonitor.start();
  }

  /** Past the memory threshold: stop one task (the policy's choice) and wait until its thread is done. */
  #onMemoryPressure(s: MemorySnapshot): Promise<void> | undefined {
    const threshold = this.#opts.memoryUsageThreshold ?? 0.95;
    const running = [...this.#streams].flatMap((stream) => stream.runningTasks().map((t) => ({ ...t, stream })));
    const victim = chooseTaskToKill(running);
    const reading = { usage: Number(s.usage.toFixed(4)), threshold, totalBytes: s.totalBytes, availableBytes: s.availableBytes, rssBytes: s.rssBytes, source: s.source };
    if (!victim) {
      const now = Date.now();
      if (now - this.#nothingToKillWarnedAt >= NOTHING_TO_KILL_WARN_MS) {
        this.#nothingToKillWarnedAt = now;
        this.log.warn({ ...reading, running: running.length }, 'memory pressure, but no running task can be stopped on its own');
      }
      return undefined;
    }
    this.log.warn({ ...reading, taskId: victim.taskId }, 'memory pressure: stopping the newest retryable task');
    return victim.stream.killForMemory(victim.taskId, new MemoryPressureError(victim.taskId, this.nodeId, s.usage, threshold));
  }

  /** Where an object of this node lives: its gRPC address and, where there is one, its data plane. */
  #location(objectId: string, size: number) {
    return { objectId, nodeId: this.nodeId, transferAddress: this.#address, dataAddress: this.#dataAddress, size };
  }

  #setState(s: WorkerNodeState, extra: Record<string, unknown> = {}): void {
    if (s === this.#state) return;
    this.log.info({ from: this.#state, to: s, ...extra }, 'state');
    this.#state = s;
  }

  async #register(): Promise<void> {
    const reply = await new Promise<{ nodeId: string; httpAddress: string; heartbeatIntervalMs: number }>((resolve, reject) => {
      this.#head.RegisterNode(
        compileNodeRegistration({
          nodeId: this.nodeId,
          address: this.#address,
          total: this.#total,
          labels: this.#opts.labels ?? {},
          pid: process.pid,
          hostname: os.hostname(),
        }),
        { deadline: Date.now() + 10_000 },
        (err, res) => (err ? reject(this.#tokenRefused(err) ?? err) : resolve(res!)),
      );
    });
    this.#packages.headHttpAddress = reply.httpAddress;
    this.#heartbeatMs = reply.heartbeatIntervalMs || 1000;
    this.#openSession();
    this.#reportListing();
    this.#setState('registered', { address: this.#address });
  }

  /**
   * Re-registers what this node holds: every copy in its store, flagged as the full listing, so a head that
   * restarted (or declared this node dead meanwhile) knows them again, and forgets copies dropped while the
   * session was down (those changes were not sent: there was no session to send them on).
   */
  #reportListing(): void {
    const objects = this.store.list();
    try {
      this.#session?.write({
        objectsAdded: { objects: objects.map((o) => this.#location(o.id, o.size)), owners: objects.map((o) => o.owner), listing: true },
      });
    } catch (err) {
      this.log.debug({ err: (err as Error).message }, 'could not send the object listing');
    }
  }

  #openSession(): void {
    const session = this.#head.NodeSession();
    this.#session = session;
    session.on('data', (msg: HeadToNode__Output) => this.#onHeadMessage(msg));
    const lost = (why: string) => {
      if (this.#session !== session) return;
      this.#session = undefined;
      clearInterval(this.#heartbeat);
      if (this.#state === 'registered') void this.#reconnect(why);
    };
    session.on('error', (err) => lost(err.message));
    session.on('end', () => lost('head ended the session'));
    this.#sendHeartbeat();
    this.#heartbeat = setInterval(() => this.#sendHeartbeat(), this.#heartbeatMs);
    this.#heartbeat.unref();
  }

  /**
   * An UNAUTHENTICATED answer from the head as an AuthError that says what to do: the usual cause is a head
   * restarted with a new token (it makes one at each start unless given a token file).
   */
  #tokenRefused(err: grpc.ServiceError): AuthError | undefined {
    if (err.code !== grpc.status.UNAUTHENTICATED) return undefined;
    return new AuthError(
      `the head at ${this.#opts.headAddress} refused this worker's cluster token (${err.details}); if the head was restarted it has a new token: ` +
        `restart the worker with the new token file (convoy start --address ${this.#opts.headAddress} --token-file PATH, or CONVOY_TOKEN)`,
      { cause: err },
    );
  }

  /**
   * The head went away: try to register again with jittered backoff, then give up and stop, with the last
   * real error. A head that refuses our token will not take it on the next try: stop at once.
   */
  async #reconnect(why: string): Promise<void> {
    this.#setState('reconnecting', { why });
    const end = await redial({
      dial: () => this.#register(),
      // Capped at 2 s: a restarted head is usually back within seconds, and jitter spreads a large cluster's retries.
      backoff: { initialMs: 200, multiplier: 2, maxMs: 2000, jitter: 0.5 },
      timeoutMs: this.#opts.headLostTimeoutMs ?? 60_000,
      isFatal: (err) => err instanceof AuthError,
      stopped: () => this.#state !== 'reconnecting',
      onRetry: (err, attempt) => this.log.debug({ err: (err as Error).message, attempt }, 'head not back yet'),
    });
    if (end.outcome === 'connected' || this.#state !== 'reconnecting') return;
    if (end.outcome === 'fatal') {
      this.#setState('failed', { why: 'token refused' });
      this.#onFatal?.((end.error as Error).message);
      return;
    }
    const last = end.outcome === 'exhausted' && end.lastError ? (end.lastError as Error).message : why;
    this.#setState('failed', { why: `head unreachable: ${why}` });
    this.#onFatal?.(`lost the head at ${this.#opts.headAddress}: ${why}${last !== why ? `; the last attempt to reach it: ${last}` : ''}`);
  }

  #sendHeartbeat(): void {
    let queued = 0;
    let running = 0;
    for (const s of this.#streams) {
      const l = s.load();
      queued += l.queued;
      running += l.running;
    }
    const st = this.store.stats();
    this.#session?.write({
      heartbeat: compileNodeLoad(this.nodeId, {
        queuedTasks: queued,
        runningTasks: running,
        storeUsedBytes: st.usedBytes,
        storeSpilledBytes: st.spilledBytes,
        storeObjects: st.objects,
        storeBudgetBytes: st.budgetBytes,
      }),
    });
  }

  #onHeadMessage(msg: HeadToNode__Output): void {
    if (msg.kind === 'freeObjects') {
      for (const id of msg.freeObjects!.objectIds) this.store.delete(id);
    } else if (msg.kind === 'shutdown') {
      this.log.info({ reason: msg.shutdown!.reason }, 'head asked us to shut down');
      void this.close().then(() => this.#onFatal?.(`shut down by the head: ${msg.shutdown!.reason}`));
    } else if (msg.kind === 'drain') {
      this.#drainNode(msg.drain!);
    }
  }

  /**
   * The head drains this node and its leases are back: finish the tasks and actor calls running now, then
   * tell the head and stop. Calls that arrive later are not waited for (their owners retry them elsewhere, as
   * after a worker death), so a busy actor cannot hold the node forever. With a deadline, what still runs at
   * it is stopped. The head sends this again when the deadline changes.
   */
  #drainNode(d: Drain__Output): void {
    if (this.#closing) return;
    if (!this.#drain) {
      const waitFor = new Set([...this.#streams].flatMap((s) => s.workIds()));
      this.#drain = { waitFor, look: setInterval(() => this.#drainLook(), DRAIN_LOOK_MS), finished: false };
      this.#setState('draining', { reason: d.reason, running: waitFor.size });
    }
    if (d.hasDeadline) {
      clearTimeout(this.#drain.deadline);
      this.#drain.deadline = setTimeout(() => this.#finishDrain(), Number(d.graceMs));
    }
    this.#drainLook();
  }

  #drainLook(): void {
    const drain = this.#drain;
    if (!drain || drain.finished) return;
    const now = new Set([...this.#streams].flatMap((s) => s.workIds()));
    if (![...drain.waitFor].some((id) => now.has(id))) this.#finishDrain();
  }

  #finishDrain(): void {
    const drain = this.#drain;
    if (!drain || drain.finished) return;
    drain.finished = true;
    clearInterval(drain.look);
    clearTimeout(drain.deadline);
    const stoppedTasks = [...this.#streams].reduce((n, s) => n + s.workIds().length, 0);
    // At the deadline, what still runs; otherwise actor calls that came in after the drain began.
    this.log.info({ stoppedTasks }, stoppedTasks ? 'drained: stopping what still runs' : 'drained');
    try {
      this.#session?.write({ drained: { stoppedTasks } });
    } catch {
      // the head is gone: leaving is still what was asked
    }
    void this.close().then(() => this.#onDrained?.());
  }

  #handlers(): WorkerServiceHandlers {
    return {
      TaskStream: (call) => {
        const stream = new TaskStream(call, this);
        this.#streams.add(stream);
      },
      FetchObject: (call) => this.#transfer.serve(call),
      PutObject: (call, callback) => this.#transfer.receive(call, callback, (id, size) => this.#location(id, size)),
      FreeObjects: (call, callback) => {
        for (const id of call.request.objectIds) this.store.delete(id);
        callback(null, {});
      },
      ListObjects: (_call, callback) => callback(null, this.listObjects()),
      ListLogs: (_call, callback) => callback(null, this.#logFiles.list()),
      ReadLog: (call) => this.#logFiles.serve(call),
    };
  }

  listObjects() {
    return compileObjectListing({
      nodeId: this.nodeId,
      stats: this.store.stats(), // the same fields as the reply's StoreStats
      objects: this.store.list().map((o) => ({ objectId: o.id, size: o.size, owner: o.owner, secondary: o.secondary, place: o.place, pins: o.pins })),
    });
  }

  // ---- NodeServices ----

  async resolveModule(fn: FunctionRef): Promise<string> {
    if (!fn.packageId) return fn.moduleUrl;
    const dir = await this.#packages.ensure(fn.packageId);
    return pathToFileURL(path.join(dir, fn.packagePath!)).href;
  }

  storeResult(objectId: string, bytes: Uint8Array, owner: string, loan?: number): ObjectLocation {
    // In memory the store lent to a pool thread, or (from a trainer process) plain bytes.
    const size = this.store.adopt(objectId, owner, loan === undefined ? { bytes } : { loan, length: bytes.byteLength });
    return this.#location(objectId, size);
  }

  streamClosed(stream: ClientStream, reason: string): void {
    this.#streams.delete(stream);
    // The client's objects stay: it may reconnect. The head frees them if it is gone for good.
    this.log.debug({ clientId: stream.clientId, reason }, 'task stream closed');
  }

  /** Stops serving, ends actors and the pool. Idempotent; every step runs even if one fails. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#setState('draining');
      if (this.#drain) {
        clearInterval(this.#drain.look);
        clearTimeout(this.#drain.deadline);
      }
      this.#memoryMonitor.stop();
      clearInterval(this.#heartbeat);
      this.#channel?.close();
      const steps: Promise<unknown>[] = [];
      for (const s of this.#streams) s.close('node shutting down');
      try {
        this.#session?.end();
      } catch {
        // session already gone
      }
      this.#session = undefined;
      steps.push(new Promise<void>((r) => this.#server.tryShutdown(() => r())));
      steps.push(this.pool.close());
      steps.push(this.gpus.close());
      steps.push(this.actorExecutors.close());
      await Promise.allSettled(steps);
      this.#server.forceShutdown();
      await this.#transfer.close().catch(() => undefined);
      this.#head.close();
      await this.store.close();
      this.#setState('stopped');
    })();
    return this.#closing;
  }
}
