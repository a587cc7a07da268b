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
import path from 'node:path';
import { advertiseHost } from '../common/net.ts';
import { createLogger, type Logger } from '../common/logger.ts';
import { IllegalStateError } from '../common/errors.ts';
import { loadProtos, type HeadServiceHandlers, type WorkerServiceClient } from '../proto/load.ts';
import { compileClusterStatus, compileLease, decompileNodeLoad, decompileNodeRegistration, decompileObjectListing, type NodeRegistration } from '../proto/convert.ts';
import { bindServer, channelCredentials, clientOptions, grpc, requireToken, SERVER_OPTIONS, type TlsOptions } from '../transport/grpc.ts';
import type { NodeToHead__Output } from '../proto/generated/convoy/v1/NodeToHead.ts';
import type { HeadToNode } from '../proto/generated/convoy/v1/HeadToNode.ts';
import { NodeTable, type NodeRecord } from './node-table.ts';
import { LeaseManager, type LeaseRecord } from './lease-manager.ts';
import { ObjectDirectory } from './object-directory.ts';
import { JobManager } from './jobs/job-manager.ts';
import { HttpApi, type HttpBackend } from './http/http-api.ts';
import { buildStatus } from './status.ts';
import type { ClusterStatus, DrainRequest, MemoryReport, NodeMemory, NodeStatus } from '../api/head-api.ts';
import { EventHub } from './events.ts';
import { ClientSessions } from './client-sessions.ts';
import { NodeDrains } from './node-drains.ts';
import type { ControlStore } from './control/control-store.ts';
import { MemoryControlStore } from './control/memory-store.ts';

import { VERSION } from '../common/version.ts';

export { VERSION };

export interface HeadOptions {
  token: string;
  /** @default '127.0.0.1' */
  host?: string;
  /** gRPC port. @default 6380 (0 picks a free port) */
  port?: number;
  /** HTTP jobs API and dashboard port. @default 8265 (0 picks a free port) */
  dashboardPort?: number;
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
  readonly objects: ObjectDirectory;
  readonly jobs: JobManager;
  readonly events = new EventHub();
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
    );
    this.#clients = new ClientSessions({
      clients: this.store.clients,
      leases: this.leases,
      events: this.events,
      log: this.log,
      graceMs: opts.clientGraceMs ?? 30_000,
      freeObjects: (ids) => this.freeObjects(ids),
      ownedBy: (clientId) => this.objects.ownedBy(clientId),
    });
    this.jobs = new JobManager({
      dir: path.join(opts.sessionDir, 'jobs'),
      table: this.store.jobs,
      token: opts.token,
      headAddress: () => this.#address,
      log: this.log,
      events: this.events,
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
    const host = this.#opts.host ?? '127.0.0.1';
    const port = await bindServer(this.#server, `${host}:${this.#opts.port ?? 6380}`, this.#opts.tls);
    this.#address = `${advertiseHost(host)}:${port}`;
    await this.#http.listen(host, this.#opts.dashboardPort ?? 8265);
    const timeout = this.#opts.heartbeatTimeoutMs ?? 10_000;
    this.#livenessTimer = setInterval(() => {
      for (const n of this.nodes.overdue(Date.now(), timeout)) this.#nodeDead(n.nodeId, `no heartbeat for ${timeout} ms`);
    }, Math.min(1000, timeout / 2));
    this.#livenessTimer.unref();
    this.#drains.watch();
    this.log.info({ address: this.#address, http: this.httpAddress }, 'head started');
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
          const { objects, owners } = msg.objectsAdded!;
          objects.forEach((o, i) => this.objects.add(o.objectId, o.nodeId || nodeId, Number(o.size), owners[i] ?? ''));
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
      startedAt: this.startedAt,
      address: this.#address,
      httpAddress: this.httpAddress,
      version: VERSION,
    });
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
      await this.store.close();
      this.log.info('head stopped');
    })();
    return this.#closing;
  }
}

export type { NodeRecord };
