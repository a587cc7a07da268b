/**
 * The head: the control plane of a Convoy cluster. It holds the node table, grants leases, keeps the object
 * directory and the task counts clients report, runs jobs, and serves the HTTP API and dashboard.
 * It is not on the per-task path: clients push tasks straight to workers over their leases.
 *
 * Its state is the control store (control/control-store.ts), one table per module; what is live and cannot
 * be stored stays beside it: each node's session stream (here), each client's (client-sessions.ts), each
 * job's process and log (jobs/job-manager.ts), the waiting lease demands (lease-manager.ts). Node drains
 * (`convoy drain`) are node-drains.ts.
 */
import { createHash } from 'node:crypto';
import path from 'node:path';
import { advertiseHost } from '../common/net.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { HeadResumeError, IllegalStateError } from '../common/errors.ts';
import { loadProtos, type HeadServiceHandlers, type WorkerServiceClient } from '../proto/load.ts';
import { compileClusterStatus, compileLease, decompileNodeLoad, decompileNodeRegistration, decompileObjectListing, type NodeRegistration } from '../proto/convert.ts';
import { bindServer, channelCredentials, clientOptions, grpc, requireToken, SERVER_OPTIONS, type TlsOptions } from '../transport/grpc.ts';
import type { NodeToHead__Output } from '../proto/generated/convoy/v1/NodeToHead.ts';
import type { HeadToNode } from '../proto/generated/convoy/v1/HeadToNode.ts';
import { NodeTable, type NodeRecord } from './node-table.ts';
import { LeaseManager, type LeaseRecord } from './lease-manager.ts';
import { PlacementGroupTable } from './placement-group-table.ts';
import type { PlacementGroupRecord } from './control/records.ts';
import { ObjectDirectory } from './object-directory.ts';
import { JobManager } from './jobs/job-manager.ts';
import { HttpApi, type HttpBackend } from './http/http-api.ts';
import { TaskLog } from './task-log.ts';
import { ActorDirectory } from './actor-directory.ts';
import { ModelIndex } from './model-index.ts';
import { openStorage } from '../storage/index.ts';
import { buildStatus } from './status.ts';
import type { ClusterStatus, DrainRequest, HistoryReport, MemoryReport, ModelsReport, NodeMemory, NodeStatus } from '../api/head-api.ts';
import { EventHub } from './events.ts';
import { ClientSessions } from './client-sessions.ts';
import { NodeDrains } from './node-drains.ts';
import { TuneHistory } from './tune-history.ts';
import { NodeSeriesRecorder } from './node-series.ts';
import { ClusterLogs } from './cluster-logs.ts';
import { headLogFile } from '../common/paths.ts';
import type { ControlStore, Table } from './control/control-store.ts';
import type { HeadRecord } from './control/records.ts';
import { MemoryControlStore } from './control/memory-store.ts';

import { VERSION } from '../common/version.ts';

export { VERSION };

/** How long the nodes of a head before a restart have to register again before they are declared dead. */
const RESUME_GRACE_MS = 20_000;

export interface HeadOptions {
  token: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** gRPC port. @default 6380 (0 picks a free port) */
  port?: number;
  /** HTTP jobs API and dashboard port. @default 8265 (0 picks a free port) */
  dashboardPort?: number;
  /** Also serve `GET /metrics` without the token on this port (0: any free one), for scrapers inside the network. */
  metricsPort?: number;
  /** Session folder for jobs and packages. */
  sessionDir: string;
  /** @default 1000 */
  heartbeatIntervalMs?: number;
  /** A node that has not heartbeated for this long is marked dead. @default 10_000 */
  heartbeatTimeoutMs?: number;
  /**
   * A client whose session breaks keeps its leases and objects this long, so it can reconnect and go on
   * (a network blip, a driver busy in a long computation). A client that closes says goodbye and is released
   * at once. @default 30_000
   */
  clientGraceMs?: number;
  /** Finished jobs kept (with their logs and packages); the oldest go first. @default 1000 */
  maxFinishedJobs?: number;
  /** Node, job and warning events kept for the dashboard's feed; the oldest go first. @default 200 */
  maxEvents?: number;
  /** Where the model registry is (a folder or s3://bucket/prefix), for the dashboard's models page. @default none */
  registry?: string;
  /** How many task attempts the task log keeps (the tasks page, the timeline); the oldest goes first. @default 10_000 */
  maxTaskLog?: number;
  tls?: TlsOptions;
  log?: Logger;
  /** Where the control state lives; the head closes it when it stops. @default a MemoryControlStore */
  store?: ControlStore;
}

export class HeadServer implements HttpBackend {
  readonly log: Logger;
  readonly store: ControlStore;
  readonly nodes: NodeTable;
  readonly leases: LeaseManager;
  readonly placementGroups: PlacementGroupTable;
  readonly objects: ObjectDirectory;
  readonly jobs: JobManager;
  readonly tuneRuns: TuneHistory;
  readonly taskLog: TaskLog;
  readonly actors = new ActorDirectory();
  readonly #models: ModelIndex | undefined;
  readonly logs: ClusterLogs;
  readonly events: EventHub;
  /** The dashboard's charts' history (GET /api/series). */
  readonly series = new NodeSeriesRecorder({ status: () => this.status(), progress: () => this.events.snapshot() });
  readonly startedAt = Date.now();
  readonly #opts: HeadOptions;
  readonly #server = new grpc.Server(SERVER_OPTIONS);
  readonly #http: HttpApi;
  readonly #clients: ClientSessions;
  readonly #drains: NodeDrains;
  readonly #nodeSessions = new Map<string, grpc.ServerDuplexStream<NodeToHead__Output, HeadToNode>>();
  #address = '';
  #livenessTimer: NodeJS.Timeout | undefined;
  #closing: Promise<void> | undefined;
  #started = false;

  constructor(opts: HeadOptions) {
    this.#opts = opts;
    this.log = (opts.log ?? createLogger()).child({ component: 'head' });
    this.store = opts.store ?? new MemoryControlStore();
    this.nodes = new NodeTable(this.store.nodes);
    this.objects = new ObjectDirectory(this.store.objects);
    this.tuneRuns = new TuneHistory(this.store.tuneRuns);
    this.taskLog = new TaskLog(opts.maxTaskLog);
    this.#models = opts.registry ? new ModelIndex(openStorage(opts.registry)) : undefined;
    this.events = new EventHub(opts.maxEvents);
    this.placementGroups = new PlacementGroupTable(this.nodes, this.store.placementGroups, {
      changed: (g) => this.#tellGroupOwner(g, g.state, g.reason ?? ''),
      removed: (g, reason) => this.#tellGroupOwner(g, 'REMOVED', reason),
      warning: (message) => this.events.publish({ type: 'warning', message }),
    }, this.log);
    this.leases = new LeaseManager(
      this.nodes,
      this.store.leases,
      {
        granted: (clientId, requestId, leases) =>
          this.#clients.send(clientId, { leaseGrant: { requestId, leases: leases.map((l) => this.#leaseMessage(l)) } }),
        infeasible: (clientId, requestId, reason) => {
          this.#clients.send(clientId, { leaseInfeasible: { requestId, reason } });
          this.events.publish({ type: 'warning', message: reason });
        },
        revoke: (clientId, leaseIds) => this.#clients.send(clientId, { leaseRevoke: { leaseIds } }),
      },
      this.log,
      Date.now,
      this.placementGroups,
    );
    this.#clients = new ClientSessions({
      clients: this.store.clients,
      summaries: this.store.taskSummaries,
      leases: this.leases,
      groups: this.placementGroups,
      events: this.events,
      log: this.log,
      graceMs: opts.clientGraceMs ?? 30_000,
      freeObjects: (ids) => this.freeObjects(ids),
      tuneReport: (run, jobId) => this.tuneRuns.report(run, jobId),
      taskLog: this.taskLog,
      actors: this.actors,
      ownedBy: (clientId) => this.objects.ownedBy(clientId),
      jobOver: (jobId) => this.jobs.get(jobId)?.endTime !== undefined,
    });
    this.events.subscribe((e) => {
      if (e.type === 'job' && !['PENDING', 'RUNNING'].includes(e.status)) {
        this.#clients.jobEnded(e.jobId);
        this.tuneRuns.jobEnded(e.jobId);
      }
    });
    this.jobs = new JobManager({
      dir: path.join(opts.sessionDir, 'jobs'),
      table: this.store.jobs,
      token: opts.token,
      headAddress: () => this.#address,
      log: this.log,
      events: this.events,
      maxFinishedJobs: opts.maxFinishedJobs,
    });
    this.logs = new ClusterLogs({
      nodes: this.nodes,
      nodeUp: (cb) => this.events.subscribe((e) => e.type === 'node' && e.state === 'alive' && cb(e.nodeId)),
      jobs: this.jobs,
      headLogFile: headLogFile(opts.sessionDir),
      token: opts.token,
      tls: opts.tls,
    });
    this.#drains = new NodeDrains({ nodes: this.nodes, leases: this.leases, tell: (nodeId, drain) => this.#tellNode(nodeId, { drain }), events: this.events, log: this.log });
    this.#http = new HttpApi({ token: opts.token, head: this, log: this.log });
  }

  get address(): string {
    return this.#address;
  }

  get httpAddress(): string {
    return this.#http.address;
  }

  /** Where `/metrics` is served without the token, when `metricsPort` was given. */
  get metricsAddress(): string | undefined {
    return this.#http.metricsAddress;
  }

  async start(): Promise<void> {
    if (this.#started) throw new IllegalStateError('head already started');
    this.#started = true;
    const { head } = loadProtos();
    // Each refused call is logged (who, which method; never what was presented): a worker or driver left with
    // the token of an earlier head start shows up here.
    this.#server.addService(
      head.convoy.v1.HeadService.service,
      requireToken(this.#opts.token, this.#handlers(), (method, peer) => this.log.warn({ method, peer }, 'grpc call refused: missing or wrong cluster token')),
    );
    const prior = this.#takeOver();
    const host = this.#opts.host ?? '127.0.0.1';
    const port = await bindServer(this.#server, `${host}:${this.#opts.port ?? 6380}`, this.#opts.tls);
    this.#address = `${advertiseHost(host)}:${port}`;
    await this.#http.listen(host, this.#opts.dashboardPort ?? 8265);
    if (this.#opts.metricsPort !== undefined) await this.#http.listenMetrics(host, this.#opts.metricsPort);
    this.series.start();
    const timeout = this.#opts.heartbeatTimeoutMs ?? 10_000;
    // Nodes of the head before get longer to come back than a silent node: their redial backs off up to 2 s.
    const resumeGraceUntil = prior.resumed ? Date.now() + Math.max(timeout, RESUME_GRACE_MS) : 0;
    this.#livenessTimer = setInterval(() => {
      const now = Date.now();
      for (const n of this.nodes.overdue(now, timeout)) {
        if (now < resumeGraceUntil && !this.#nodeSessions.has(n.nodeId)) continue;
        this.#nodeDead(n.nodeId, this.#nodeSessions.has(n.nodeId) || !prior.resumed ? `no heartbeat for ${timeout} ms` : 'it did not come back after the head restarted');
      }
    }, Math.min(1000, timeout / 2));
    this.#livenessTimer.unref();
    this.#drains.watch();
    this.store.meta.put('head', { ...prior.record, address: this.#address, httpAddress: this.httpAddress });
    await this.store.flush();
    this.log.info({ address: this.#address, http: this.httpAddress, resumed: prior.resumed }, prior.resumed ? 'head restarted: resuming the cluster' : 'head started');
  }

  /**
   * Takes the store over from the head that wrote it before, if any. One that stopped cleanly left no live
   * state worth keeping (its nodes and clients said goodbye): only history stays. One that did not (killed,
   * crashed, its machine lost) is resumed: its nodes and clients get a grace period to reconnect and keep
   * their leases and objects, its jobs are reattached. A resumed store must be opened with its cluster's
   * token, or its workers and drivers could never come back.
   */
  #takeOver(): { resumed: boolean; record: HeadRecord } {
    const prior = this.store.meta.get('head');
    const tokenHash = createHash('sha256').update(this.#opts.token).digest('hex');
    const resumed = prior !== undefined && !prior.closedCleanly;
    if (resumed && prior.tokenHash !== tokenHash) {
      throw new HeadResumeError(
        `the control store holds the state of a cluster (head at ${prior.address}) that stopped without a clean stop, under another cluster token: ` +
          `start this head with that cluster's token (CONVOY_TOKEN or --token-file) to resume it, or give it another store (--store) to start afresh`,
      );
    }
    if (resumed) {
      this.nodes.restartClocks(Date.now());
      this.#clients.restore();
      this.log.info({ nodes: this.nodes.alive().length, clients: this.store.clients.size(), leases: this.store.leases.size(), objects: this.store.objects.size() }, 'resuming the state of the head before');
    } else {
      for (const table of [this.store.nodes, this.store.leases, this.store.objects, this.store.clients, this.store.placementGroups] as Table<unknown>[]) for (const k of table.keys()) table.delete(k);
    }
    const record: HeadRecord = { tokenHash, sessionDir: this.#opts.sessionDir, address: '', httpAddress: '', startedAt: this.startedAt, closedCleanly: false };
    return { resumed, record };
  }

  #tellGroupOwner(g: PlacementGroupRecord, state: string, reason: string): void {
    this.#clients.send(g.clientId, { placementGroupState: { groupId: g.groupId, state, reason, nodes: g.nodes, infeasible: g.infeasible ?? false } });
  }

  #leaseMessage(l: LeaseRecord) {
    return compileLease({ ...l, address: this.nodes.get(l.nodeId)?.address ?? '' });
  }

  #handlers(): HeadServiceHandlers {
    return {
      RegisterNode: (call, callback) => {
        let registration: NodeRegistration;
        try {
          registration = decompileNodeRegistration(call.request);
        } catch (err) {
          return callback({ code: grpc.status.INVALID_ARGUMENT, details: (err as Error).message });
        }
        const rec = this.nodes.register(registration, Date.now());
        this.log.info({ nodeId: rec.nodeId, address: rec.address, total: registration.total }, 'node registered');
        this.events.publish({ type: 'node', nodeId: rec.nodeId, state: 'alive' });
        this.leases.schedule();
        callback(null, { nodeId: rec.nodeId, httpAddress: this.httpAddress, heartbeatIntervalMs: this.#opts.heartbeatIntervalMs ?? 1000 });
      },
      NodeSession: (call) => this.#nodeSession(call),
      ClientSession: (call) => this.#clients.serve(call),
      GetClusterStatus: (_call, callback) => callback(null, this.statusMessage()),
      GetObjectLocations: (call, callback) => {
        callback(null, { locations: this.objects.locate(call.request.objectIds, (id) => this.nodes.get(id)) });
      },
    };
  }

  #nodeSession(call: grpc.ServerDuplexStream<NodeToHead__Output, HeadToNode>): void {
    let nodeId = '';
    let generation = 0;
    call.on('data', (msg: NodeToHead__Output) => {
      switch (msg.kind) {
        case 'heartbeat': {
          const hb = msg.heartbeat!;
          if (!nodeId) {
            nodeId = hb.nodeId;
            generation = this.nodes.get(nodeId)?.generation ?? 0;
            this.#nodeSessions.set(nodeId, call);
          }
          this.nodes.heartbeat(nodeId, decompileNodeLoad(hb), Date.now());
          return;
        }
        case 'objectsAdded': {
          const { objects, owners, listing } = msg.objectsAdded!;
          if (listing) this.objects.resync(nodeId, objects.map((o, i) => ({ objectId: o.objectId, size: Number(o.size), owner: owners[i] ?? '' })));
          else objects.forEach((o, i) => this.objects.add(o.objectId, o.nodeId || nodeId, Number(o.size), owners[i] ?? ''));
          return;
        }
        case 'objectsRemoved':
          for (const id of msg.objectsRemoved!.objectIds) this.objects.remove(id, nodeId);
          return;
        case 'drained':
          if (nodeId) this.#nodeDead(nodeId, this.#drains.finished(nodeId, msg.drained!.stoppedTasks));
          return;
      }
    });
    const end = (why: string) => {
      if (!nodeId) return;
      if (this.#nodeSessions.get(nodeId) === call) this.#nodeSessions.delete(nodeId);
      // A node that re-registered since this session began is alive under a newer session.
      if ((this.nodes.get(nodeId)?.generation ?? 0) === generation) this.#nodeDead(nodeId, why);
    };
    call.on('end', () => end('its session ended'));
    call.on('error', (err) => end(`its session broke: ${err.message}`));
    call.on('cancelled', () => end('its session was cancelled'));
  }

  #nodeDead(nodeId: string, reason: string): void {
    if (!this.nodes.markDead(nodeId, reason)) return;
    this.log.warn({ nodeId, reason }, 'node dead');
    // A node declared dead for silence may only be paused: ending its session makes it register afresh
    // (as a new generation) if it ever wakes up, instead of lingering half-alive.
    const session = this.#nodeSessions.get(nodeId);
    this.#nodeSessions.delete(nodeId);
    try {
      session?.end();
    } catch {
      // already gone
    }
    this.leases.nodeDead(nodeId);
    this.objects.nodeDead(nodeId);
    this.events.publish({ type: 'node', nodeId, state: 'dead', reason });
    this.#clients.broadcast({ nodeDead: { nodeId, reason } });
  }

  status(): ClusterStatus {
    return buildStatus({
      nodes: this.nodes.all(),
      demands: this.leases.demands(),
      leases: this.leases.leases(),
      clients: this.#clients.connected(),
      retiredCounts: this.#clients.retiredCounts(),
      objects: this.objects.stats(),
      jobs: this.jobs.list(),
      placementGroups: this.placementGroups.list(this.leases.leases()),
      startedAt: this.startedAt,
      address: this.#address,
      httpAddress: this.httpAddress,
      version: VERSION,
    });
  }

  async models(): Promise<ModelsReport> {
    return this.#models ? { registry: this.#models.url, models: await this.#models.list() } : { registry: null, models: [] };
  }

  history(): HistoryReport {
    return { taskSummaries: this.#clients.summaries(), tuneRuns: this.tuneRuns.list() };
  }

  statusMessage() {
    return compileClusterStatus(this.status());
  }

  /** Deletes every copy of these objects: the directory entry here, the bytes on each node holding one. */
  freeObjects(ids: readonly string[]): void {
    if (ids.length === 0) return;
    for (const [nodeId, objectIds] of this.objects.free(ids)) {
      const call = this.#nodeSessions.get(nodeId);
      try {
        call?.write({ freeObjects: { objectIds } });
      } catch {
        // the node is gone, and its objects with it
      }
    }
  }

  /** What every live node's store holds, for `convoy memory`. */
  async memory(): Promise<MemoryReport> {
    const { worker } = loadProtos();
    const nodes = this.nodes.alive();
    const connected = new Set(this.#clients.connected().map((c) => c.clientId));
    const reports = await Promise.all(
      nodes.map(
        (n) =>
          new Promise<NodeMemory>((resolve) => {
            const client = new worker.convoy.v1.WorkerService(n.address, channelCredentials(this.#opts.tls), clientOptions(this.#opts.token)) as unknown as WorkerServiceClient;
            client.ListObjects({}, { deadline: Date.now() + 5000 }, (err, res) => {
              client.close();
              if (err || !res) return resolve({ nodeId: n.nodeId, address: n.address, error: err?.message ?? 'no answer', objects: [] });
              resolve(decompileObjectListing(res, n, (owner) => connected.has(owner)));
            });
          }),
      ),
    );
    return { nodes: reports, directory: this.objects.stats() };
  }

  placementGroupList() {
    return this.placementGroups.list(this.leases.leases());
  }

  removePlacementGroup(groupId: string): boolean {
    return this.leases.removeGroup(groupId, 'removed through the HTTP API (convoy placement-groups remove)');
  }

  /** `convoy drain`: see node-drains.ts. Returns the node as status shows it. */
  drainNode(query: string, request: DrainRequest): NodeStatus {
    const node = this.#drains.request(query, request);
    return this.status().nodes.find((n) => n.nodeId === node.nodeId)!;
  }

  /** Writes to a node's session stream; false when it has none (gone, or not reconnected yet). */
  #tellNode(nodeId: string, msg: HeadToNode): boolean {
    const call = this.#nodeSessions.get(nodeId);
    if (!call) return false;
    try {
      call.write(msg);
      return true;
    } catch {
      return false;
    }
  }

  /** Asks every node to stop (used by `convoy stop` through the HTTP API). */
  shutdownNodes(reason: string): void {
    for (const call of this.#nodeSessions.values()) {
      try {
        call.write({ shutdown: { reason } });
      } catch {
        // node already gone
      }
    }
  }

  close(): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#livenessTimer);
      this.series.close();
      this.#drains.close();
      await this.jobs.close();
      this.#clients.close();
      for (const call of this.#nodeSessions.values()) {
        try {
          call.end();
        } catch {
          // ignore
        }
      }
      await Promise.allSettled([new Promise<void>((r) => this.#server.tryShutdown(() => r())), this.#http.close()]);
      this.#server.forceShutdown();
      this.events.close();
      const record = this.store.meta.get('head');
      if (record && this.#started) this.store.meta.put('head', { ...record, closedCleanly: true });
      await this.store.close();
      this.log.info('head stopped');
    })();
    return this.#closing;
  }
}

export type { NodeRecord };
