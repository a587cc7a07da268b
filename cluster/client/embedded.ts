/**
 * The embedded local cluster: a head and worker processes on loopback, started by `connect()` when no address
 * is given, and stopped with the connection or when this process exits (each child watches its IPC channel,
 * so even a SIGKILLed driver leaves nothing behind).
 */
import type { ChildProcess } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { generateToken } from '../common/auth.ts';
import { stopChild, waitReady } from '../common/child-process.ts';
import { newSessionDir } from '../common/paths.ts';
import { parseStoreSpec } from '../common/store-spec.ts';
import { encodeEntryOptions } from '../common/process-entry.ts';
import { spawnTs } from '../common/spawn.ts';
import { detectGpus } from '../common/detect-gpus.ts';

export interface LocalClusterOptions {
  /** @default 2 */
  workers?: number;
  /** @default half of this machine's CPUs, at least 1 */
  cpusPerWorker?: number;
  /**
   * @default every GPU this machine shows (CUDA_VISIBLE_DEVICES, else /dev/nvidiaN) on the first worker and none
   * on the others: the workers share one machine, and two offering the same device would run two GPU tasks on it.
   */
  gpusPerWorker?: number;
  resourcesPerWorker?: Record<string, number>;
  objectStoreMemory?: number;
  /**
   * How long a head or worker may take to announce itself. Generous: on a loaded machine compiling and
   * starting a worker can take most of a minute, and a child that dies is reported at once anyway.
   * @default 120_000
   */
  startTimeoutMs?: number;
  heartbeatTimeoutMs?: number;
  /** Task attempts the head's task log keeps (the tasks page, the timeline). @default 10_000 */
  maxTaskLog?: number;
  /** The model registry the dashboard's models page lists (a folder or s3://bucket/prefix). */
  registry?: string;
  /** Also serve the head's `GET /metrics` without the token on this port (0: any free one); see `metricsAddress`. */
  metricsPort?: number;
  /**
   * The head's control store (`convoy start --store`): memory, sqlite, sqlite:/path/file.db, or
   * redis://host:port[/db][?prefix=name]. This cluster's own; CONVOY_STORE in the environment is not used.
   * @default 'sqlite': control.db in this cluster's session folder
   */
  store?: string;
  logLevel?: string;
  /** TLS for every gRPC port: PEM file paths (the same cert serves head and workers on one machine). */
  tls?: { cert: string; key: string; ca: string };
  /** Workers' second spill tier (see `convoy start --spill-to`). */
  spillTo?: string;
  spillDiskBytes?: number;
  spillS3?: { endpoint?: string; forcePathStyle?: boolean; region?: string };
}

export interface ProcessInfo {
  readonly pid: number;
  readonly address: string;
  readonly nodeId?: string;
  readonly child: ChildProcess;
}

export interface LocalCluster {
  readonly address: string;
  readonly httpAddress: string;
  /** Where `/metrics` is served without the token, when `metricsPort` was given. */
  readonly metricsAddress?: string;
  readonly token: string;
  readonly sessionDir: string;
  /** The head process now (a new one after `restartHead()`). */
  readonly head: ProcessInfo;
  readonly workers: ProcessInfo[];
  /**
   * Starts the head again on the same session folder, ports and token, so its workers and drivers reconnect
   * and it resumes from its control store (tests use it after killing the head). Waits for the old head
   * process to be gone first (it kills it if it still runs).
   */
  restartHead(): Promise<ProcessInfo>;
  /** Starts one more worker process (tests use it to replace a killed one). */
  addWorker(opts?: { numCpus?: number; numGpus?: number; resources?: Record<string, number> }): Promise<ProcessInfo>;
  stop(): Promise<void>;
}

const HEAD_MAIN = new URL('../head/main.ts', import.meta.url);
const WORKER_MAIN = new URL('../worker/main.ts', import.meta.url);

export async function startLocalCluster(opts: LocalClusterOptions = {}): Promise<LocalCluster> {
  // A bad store is the caller's mistake, said as such, not a head that failed to start.
  if (opts.store !== undefined) parseStoreSpec(opts.store, '.', 'the store option');
  const token = generateToken();
  // Its own session folder and token, and no record in $CONVOY_HOME/procs: this cluster is the driver's alone.
  const sessionDir = newSessionDir({ latest: false });
  const timeout = opts.startTimeoutMs ?? 120_000;
  const env = { ...process.env, CONVOY_TOKEN: token };
  const children: ChildProcess[] = [];
  const spawnEntry = (entry: URL, options: Record<string, unknown>, extraEnv: Record<string, string> = {}) => {
    const child = spawnTs(entry, [encodeEntryOptions({ ...options, dieWithParent: true, logLevel: opts.logLevel })], {
      env: { ...env, ...extraEnv },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    children.push(child);
    // The IPC channel must not keep the driver alive; the child still exits when it closes.
    child.unref();
    (child.channel as { unref?: () => void } | undefined)?.unref?.();
    return child;
  };
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  };
  process.once('exit', killAll);
  try {
    const headOptions = { host: '127.0.0.1', sessionDir, heartbeatTimeoutMs: opts.heartbeatTimeoutMs, maxTaskLog: opts.maxTaskLog, registry: opts.registry, tls: opts.tls, metricsPort: opts.metricsPort };
    // The store through the environment, not argv (a Redis URL may hold a password); set even when empty,
    // so a CONVOY_STORE meant for a real head does not reach this one.
    const headEnv = { CONVOY_STORE: opts.store ?? '' };
    let headChild = spawnEntry(HEAD_MAIN, { ...headOptions, port: 0, dashboardPort: 0 }, headEnv);
    const ready = await waitReady(headChild, 'embedded head', timeout);
    const address = String(ready.address);
    const httpAddress = String(ready.httpAddress);
    const metricsAddress = typeof ready.metricsAddress === 'string' ? ready.metricsAddress : undefined;
    let head: ProcessInfo = { pid: headChild.pid!, address, child: headChild };
    const portOf = (hostPort: string) => Number(hostPort.slice(hostPort.lastIndexOf(':') + 1));
    const restartHead = async (): Promise<ProcessInfo> => {
      const old = headChild;
      if (old.exitCode === null && old.signalCode === null) {
        const gone = new Promise((r) => old.once('exit', r));
        old.kill('SIGKILL');
        await gone;
      }
      const samePorts = { port: portOf(address), dashboardPort: portOf(httpAddress), ...(metricsAddress ? { metricsPort: portOf(metricsAddress) } : {}) };
      headChild = spawnEntry(HEAD_MAIN, { ...headOptions, ...samePorts }, headEnv);
      await waitReady(headChild, 'restarted embedded head', timeout);
      head = { pid: headChild.pid!, address, child: headChild };
      return head;
    };
    const cpus = opts.cpusPerWorker ?? Math.max(1, Math.floor(os.availableParallelism() / 2));
    let unclaimedGpus = opts.gpusPerWorker === undefined ? detectGpus().count : 0;
    const addWorker: LocalCluster['addWorker'] = async (w = {}) => {
      const gpus = w.numGpus ?? opts.gpusPerWorker ?? unclaimedGpus;
      if (opts.gpusPerWorker === undefined && w.numGpus === undefined) unclaimedGpus = 0;
      const child = spawnEntry(WORKER_MAIN, {
        address,
        host: '127.0.0.1',
        port: 0,
        numCpus: w.numCpus ?? cpus,
        numGpus: gpus,
        resources: w.resources ?? opts.resourcesPerWorker,
        objectStoreMemory: opts.objectStoreMemory,
        tls: opts.tls,
        spillTo: opts.spillTo,
        spillDiskBytes: opts.spillDiskBytes,
        spillS3: opts.spillS3,
        logDir: path.join(sessionDir, 'logs'),
      });
      const r = await waitReady(child, 'embedded worker', timeout);
      return { pid: child.pid!, address: String(r.address), nodeId: String(r.nodeId), child };
    };
    const workers = await Promise.all(Array.from({ length: opts.workers ?? 2 }, () => addWorker()));
    let stopping: Promise<void> | undefined;
    return {
      address,
      httpAddress,
      metricsAddress,
      token,
      sessionDir,
      get head() {
        return head;
      },
      workers,
      restartHead,
      addWorker: async (w) => {
        const info = await addWorker(w);
        workers.push(info);
        return info;
      },
      stop: () =>
        (stopping ??= (async () => {
          // Workers first, so they do not spend their last seconds reconnecting to a head that is gone.
          await Promise.all(children.filter((c) => c !== headChild).map((c) => stopChild(c)));
          await stopChild(headChild);
          process.off('exit', killAll);
        })()),
    };
  } catch (err) {
    killAll();
    process.off('exit', killAll);
    throw err;
  }
}
