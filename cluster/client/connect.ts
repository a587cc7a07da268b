/**
 * `connect()`: to a running cluster (an address, or CONVOY_ADDRESS) or, with neither, to a fresh embedded
 * local cluster that lives as long as the connection.
 */
import { isMainThread } from 'node:worker_threads';
import { readFileSync } from 'node:fs';
import { resolveToken } from '../common/token-source.ts';
import type { TlsOptions } from '../transport/grpc.ts';
import { ClientEngine } from './engine.ts';
import { RemoteCluster, type Cluster } from './cluster.ts';
import { startLocalCluster } from './embedded.ts';
import { parseConnectOptions, type ConnectOptions } from './options.ts';

/**
 * Connects to a Convoy cluster.
 *
 * @example
 * const cluster = await connect();                 // embedded local cluster
 * const cluster = await connect('10.0.0.5:6380');  // a running head (token from CONVOY_TOKEN or --token-file)
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
  async close(): Promise<void> {}
  async [Symbol.asyncDispose](): Promise<void> {}
}

async function openCluster(given: ConnectOptions): Promise<Cluster> {
  const o = parseConnectOptions(given);
  const target = o.address ?? process.env.CONVOY_ADDRESS;
  const engineOptions = {
    kind: (process.env.CONVOY_JOB_ID ? 'job' : process.env.CONVOY_NODE_ID ? 'task' : 'driver') as 'driver' | 'job' | 'task',
    jobId: process.env.CONVOY_JOB_ID ?? '',
    maxPendingTasks: o.maxPendingTasks ?? 1_000_000,
    maxInFlightPerLease: o.maxInFlightPerLease ?? 512,
    leaseIdleMs: o.leaseIdleMs ?? 1000,
    inlineThreshold: o.inlineThreshold ?? 100 * 1024,
  };
  const tls: TlsOptions | undefined = o.tlsCaFile ?? process.env.CONVOY_TLS_CA ? { ca: readFileSync(o.tlsCaFile ?? process.env.CONVOY_TLS_CA!, 'utf8') } : undefined;

  if (!target) {
    const local = await startLocalCluster({
      workers: o.workers,
      cpusPerWorker: o.cpusPerWorker,
      gpusPerWorker: o.gpusPerWorker,
      resourcesPerWorker: o.resourcesPerWorker,
      objectStoreMemory: o.objectStoreMemory,
    });
    const engine = new ClientEngine({ ...engineOptions, address: local.address, token: local.token });
    try {
      await engine.open(o.connectTimeoutMs ?? 10_000);
    } catch (err) {
      await local.stop();
      throw err;
    }
    return new RemoteCluster(engine, () => local.stop());
  }

  const token = resolveToken(o.token, o.tokenFile);
  const engine = new ClientEngine({ ...engineOptions, address: target, token, tls });
  await engine.open(o.connectTimeoutMs ?? 10_000);
  return new RemoteCluster(engine);
}
