/** Process entry of a worker node (started by `convoy start --address` or by the embedded local cluster). */
import os from 'node:os';
import path from 'node:path';
import { readTokenFile } from '../common/auth.ts';
import { randomId } from '../common/ids.ts';
import { createLogger } from '../common/logger.ts';
import { convoyHome, recordProcess } from '../common/paths.ts';
import { announceFailure, announceReady, closeOnSignals, readEntryOptions } from '../common/process-entry.ts';
import { readTlsFiles } from '../transport/grpc.ts';
import { detectGpus } from '../common/detect-gpus.ts';
import { WorkerNode } from './worker-node.ts';
import { parseMemoryUsageThreshold } from '../../scheduler/memory-pressure.ts';

export interface WorkerEntryOptions {
  address: string;
  host?: string;
  port?: number;
  /** Port of the object data plane. @default 0 (any free port) */
  dataPort?: number;
  numCpus?: number;
  /** @default the GPUs this process can see (CUDA_VISIBLE_DEVICES, else /dev/nvidiaN): see detect-gpus.ts */
  numGpus?: number;
  resources?: Record<string, number>;
  memory?: number;
  objectStoreMemory?: number;
  tokenFile?: string;
  nodeId?: string;
  labels?: Record<string, string>;
  tls?: { cert?: string; key?: string; ca?: string };
  dieWithParent?: boolean;
  logLevel?: string;
  logDir?: string;
  /** Second spill tier: a storage URL (s3://bucket/prefix or a folder) for objects past the local disk limit. */
  spillTo?: string;
  /** Bytes of spill files kept on local disk before the oldest move to `spillTo`. @default 10 GiB */
  spillDiskBytes?: number;
  /** S3 settings for `spillTo` (endpoint, forcePathStyle); credentials come from the AWS chain. */
  spillS3?: { endpoint?: string; forcePathStyle?: boolean; region?: string };
  /**
   * Fraction of the node's memory in use above which the newest running task is stopped and retried.
   * @default CONVOY_MEMORY_USAGE_THRESHOLD, else 0.95; 1 turns the memory monitor off
   */
  memoryUsageThreshold?: number;
  /** Record this worker in $CONVOY_HOME/procs so `convoy stop` stops it (`convoy start` does; embedded clusters do not). */
  record?: boolean;
}

const opts = readEntryOptions<WorkerEntryOptions>();
try {
  const token = process.env.CONVOY_TOKEN ?? (opts.tokenFile ? readTokenFile(opts.tokenFile) : undefined);
  if (!token) throw new Error('no cluster token: set CONVOY_TOKEN or pass --token-file');
  const logDir = opts.logDir ?? path.join(convoyHome(), 'logs');
  const logFiles = { node: path.join(logDir, `worker-${process.pid}.log`), tasks: path.join(logDir, `worker-${process.pid}.tasks.log`) };
  const log = createLogger({ level: opts.logLevel, file: logFiles.node });
  const nodeId = opts.nodeId ?? `node-${randomId(4)}`;
  const envThreshold = process.env.CONVOY_MEMORY_USAGE_THRESHOLD;
  const memoryUsageThreshold = opts.memoryUsageThreshold ?? (envThreshold !== undefined ? parseMemoryUsageThreshold(envThreshold, 'CONVOY_MEMORY_USAGE_THRESHOLD') : undefined);
  let spillOverflow;
  if (opts.spillTo) {
    // The same storage layer as the lake (local folder or any S3 endpoint), loaded only when asked for.
    const { openStorage } = await import('../storage/open.ts');
    spillOverflow = { storage: openStorage(opts.spillTo, { s3: opts.spillS3 }), prefix: nodeId, diskBytes: opts.spillDiskBytes ?? 10 * 1024 ** 3 };
  }
  // Declared or found, GPU index i is the i-th device this process sees (CUDA_VISIBLE_DEVICES=3,5 makes GPU 0
  // device 3); GPUs declared beyond what it sees (a CPU test machine declaring two) keep their own index.
  const found = detectGpus();
  const gpuCount = opts.numGpus ?? found.count;
  const gpuDevices = found.devices.length >= gpuCount ? found.devices.slice(0, gpuCount) : undefined;
  log.info({ gpus: gpuCount, devices: gpuDevices, source: opts.numGpus === undefined ? found.source : '--num-gpus' }, 'GPUs offered');
  const node = new WorkerNode({
    spillOverflow,
    headAddress: opts.address,
    token,
    host: opts.host,
    port: opts.port,
    dataPort: opts.dataPort,
    numCpus: opts.numCpus,
    numGpus: gpuCount,
    gpuDevices,
    resources: opts.resources,
    memory: opts.memory,
    objectStoreMemory: opts.objectStoreMemory,
    memoryUsageThreshold,
    nodeId,
    labels: { hostname: os.hostname(), ...(opts.labels ?? {}) },
    tls: opts.tls ? readTlsFiles(opts.tls) : undefined,
    log,
    logFiles,
  });
  await node.start();
  const forget = opts.record ? recordProcess({ pid: process.pid, role: 'worker', address: node.address, startedAt: Date.now() }) : () => undefined;
  const shutdown = async () => {
    forget();
    await node.close();
  };
  node.onFatal((reason) => {
    log.error({ reason }, 'worker stopping');
    // Also where whoever started it looks first (a terminal, systemd's journal): the log file is one step away.
    process.stderr.write(`convoy worker ${node.nodeId} stopping: ${reason}\n`);
    void shutdown().finally(() => process.exit(1));
  });
  node.onDrained(() => {
    log.info('worker drained, exiting');
    process.stderr.write(`convoy worker ${node.nodeId} drained: exiting\n`);
    void shutdown().finally(() => process.exit(0));
  });
  closeOnSignals(shutdown, opts.dieWithParent ?? false);
  announceReady({ role: 'worker', nodeId: node.nodeId, address: node.address, pid: process.pid });
} catch (err) {
  announceFailure(err);
  process.exit(1);
}
