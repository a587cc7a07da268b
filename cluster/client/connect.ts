/**
 * `connect()`: to the cluster `findCluster` chooses (the address given, CONVOY_ADDRESS, the head `convoy
 * start --head` started on this machine) or, when there is none, to a fresh embedded local cluster that lives
 * as long as the connection.
 */
import { isMainThread } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { findCluster } from '../common/cluster-target.ts';
import { AuthError } from '../common/errors.ts';
import type { TlsOptions } from '../transport/grpc.ts';
import { OwnerCore } from './owner-core.ts';
import { RemoteCluster, type Cluster } from './cluster.ts';
import { startLocalCluster } from './embedded.ts';
import { parseConnectOptions, type ConnectOptions } from './options.ts';

/**
 * Connects to a Convoy cluster.
 *
 * Which cluster, in order: `address` (or the first argument); CONVOY_ADDRESS; the newest head started with
 * `convoy start --head` on this machine (with that head's own token file); else a new embedded cluster (a head
 * and `workers` worker processes on loopback, stopped by `close()`). `'local'` starts an embedded cluster
 * even when a head runs, as do the embedded-only options (`workers`, `cpusPerWorker`, …) when no address is
 * given; `'auto'` insists on the recorded head. The token is the one of the head chosen: `token` /
 * `tokenFile` when passed, a recorded head's own token file, else CONVOY_TOKEN / CONVOY_TOKEN_FILE.
 *
 * @example
 * const cluster = await connect();                 // the head `convoy start --head` started here, else embedded
 * const cluster = await connect('local');          // always a new embedded cluster
 * const cluster = await connect('10.0.0.5:6380');  // a running head (token from CONVOY_TOKEN or { tokenFile })
 */
export async function connect(address?: string | ConnectOptions, options?: ConnectOptions): Promise<Cluster> {
  // Inside a task or actor on a worker, every plain connect() shares one connection per thread (tasks call it
  // on every run; a session each would be waste). Its close() is a no-op: the thread's life bounds it.
  if (address === undefined && options === undefined && process.env.CONVOY_NODE_ID && !isMainThread) {
    taskCluster ??= openCluster({}).then((c) => new SharedCluster(c));
    return taskCluster;
  }
  return openCluster(typeof address === 'string' ? { ...options, address } : { ...(address ?? {}), ...(options ?? {}) });
}

let taskCluster: Promise<Cluster> | undefined;

/** A cluster connection shared by the tasks of one thread: close() leaves it open for the next task. */
class SharedCluster implements Cluster {
  constructor(private readonly inner: Cluster) {}
  get address() {
    return this.inner.address;
  }
  task: Cluster['task'] = (m, e, o) => this.inner.task(m, e, o);
  actor: Cluster['actor'] = (m, c, o) => this.inner.actor(m, c, o);
  get: Cluster['get'] = ((r: never, o?: never) => this.inner.get(r, o)) as Cluster['get'];
  wait: Cluster['wait'] = (r, o) => this.inner.wait(r, o);
  put: Cluster['put'] = (v) => this.inner.put(v);
  cancel: Cluster['cancel'] = (r, o) => this.inner.cancel(r, o);
  free: Cluster['free'] = (r) => this.inner.free(r);
  status: Cluster['status'] = () => this.inner.status();
  reportProgress: Cluster['reportProgress'] = (p) => this.inner.reportProgress(p);
  reportTuneRun: Cluster['reportTuneRun'] = (r) => this.inner.reportTuneRun(r);
  placementGroup: Cluster['placementGroup'] = (o) => this.inner.placementGroup(o);
  async close(): Promise<void> {}
  async [Symbol.asyncDispose](): Promise<void> {}
}

const EMBEDDED_ONLY = ['workers', 'cpusPerWorker', 'gpusPerWorker', 'resourcesPerWorker', 'objectStoreMemory'] as const;

async function openCluster(given: ConnectOptions): Promise<Cluster> {
  const o = parseConnectOptions(given);
  if (o.address && /^https?:\/\//i.test(o.address)) {
    throw new TypeError(`connect() takes the head's gRPC address (host:port, port 6380 by default), not its HTTP URL ${o.address}`);
  }
  // Options that describe the cluster to start say "an embedded cluster", so a head running here is not used.
  const wantsEmbedded = EMBEDDED_ONLY.some((k) => o[k] !== undefined);
  const target = findCluster({
    address: o.address ?? (wantsEmbedded && !process.env.CONVOY_ADDRESS ? 'local' : undefined),
    token: o.token,
    tokenFile: o.tokenFile,
    embedded: true,
  });
  const coreOptions = {
    kind: (process.env.CONVOY_JOB_ID ? 'job' : process.env.CONVOY_NODE_ID ? 'task' : 'driver') as 'driver' | 'job' | 'task',
    jobId: process.env.CONVOY_JOB_ID ?? '',
    maxPendingTasks: o.maxPendingTasks ?? 1_000_000,
    maxInFlightPerLease: o.maxInFlightPerLease ?? 512,
    leaseIdleMs: o.leaseIdleMs ?? 1000,
    inlineThreshold: o.inlineThreshold ?? 100 * 1024,
  };
  const tls: TlsOptions | undefined = o.tlsCaFile ?? process.env.CONVOY_TLS_CA ? { ca: readFileSync(o.tlsCaFile ?? process.env.CONVOY_TLS_CA!, 'utf8') } : undefined;

  if (target.kind === 'embedded') {
    const local = await startLocalCluster({
      workers: o.workers,
      cpusPerWorker: o.cpusPerWorker,
      gpusPerWorker: o.gpusPerWorker,
      resourcesPerWorker: o.resourcesPerWorker,
      objectStoreMemory: o.objectStoreMemory,
    });
    const core = new OwnerCore({ ...coreOptions, address: local.address, token: local.token });
    try {
      await core.open(o.connectTimeoutMs ?? 10_000);
    } catch (err) {
      core.close('connect failed');
      await local.stop();
      throw err;
    }
    return new RemoteCluster(core, () => local.stop());
  }

  const address = target.grpcAddress!;
  const core = new OwnerCore({ ...coreOptions, address, token: target.token, tls });
  try {
    await core.open(o.connectTimeoutMs ?? 10_000);
  } catch (err) {
    core.close('connect failed');
    if (err instanceof AuthError) {
      throw new AuthError(
        `the head at ${address} refused the cluster token from ${target.tokenSource}: use that head's token ` +
          '(the token file it printed at start; pass it as { tokenFile } / --token-file or CONVOY_TOKEN_FILE)',
        { cause: err },
      );
    }
    throw err;
  }
  return new RemoteCluster(core);
}
