/** Process entry of a worker node (started by `convoy start --address` or by the embedded local cluster). */
import os from 'node:os';
import path from 'node:path';
import { readTokenFile } from '../common/auth.ts';
import { createLogger } from '../common/logger.ts';
import { convoyHome, recordProcess } from '../common/paths.ts';
import { announceFailure, announceReady, closeOnSignals, readEntryOptions } from '../common/process-entry.ts';
import { readTlsFiles } from '../transport/grpc.ts';
import { WorkerNode } from './worker-node.ts';

export interface WorkerEntryOptions {
  address: string;
  host?: string;
  port?: number;
  numCpus?: number;
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
}

const opts = readEntryOptions<WorkerEntryOptions>();
try {
  const token = process.env.CONVOY_TOKEN ?? (opts.tokenFile ? readTokenFile(opts.tokenFile) : undefined);
  if (!token) throw new Error('no cluster token: set CONVOY_TOKEN or pass --token-file');
  const logDir = opts.logDir ?? path.join(convoyHome(), 'logs');
  const log = createLogger({ level: opts.logLevel, file: path.join(logDir, `worker-${process.pid}.log`) });
  const node = new WorkerNode({
    headAddress: opts.address,
    token,
    host: opts.host,
    port: opts.port,
    numCpus: opts.numCpus,
    numGpus: opts.numGpus,
    resources: opts.resources,
    memory: opts.memory,
    objectStoreMemory: opts.objectStoreMemory,
    nodeId: opts.nodeId,
    labels: { hostname: os.hostname(), ...(opts.labels ?? {}) },
    tls: opts.tls ? readTlsFiles(opts.tls) : undefined,
    log,
  });
  await node.start();
  const forget = recordProcess({ pid: process.pid, role: 'worker', address: node.address, startedAt: Date.now() });
  const shutdown = async () => {
    forget();
    await node.close();
  };
  node.onFatal((reason) => {
    log.error({ reason }, 'worker stopping');
    void shutdown().finally(() => process.exit(1));
  });
  closeOnSignals(shutdown, opts.dieWithParent ?? false);
  announceReady({ role: 'worker', nodeId: node.nodeId, address: node.address, pid: process.pid });
} catch (err) {
  announceFailure(err);
  process.exit(1);
}
