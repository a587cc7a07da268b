/** Process entry of a head node (started by `convoy start --head` or by the embedded local cluster). */
import path from 'node:path';
import { generateToken, readTokenFile, writeTokenFile } from '../common/auth.ts';
import { createLogger } from '../common/logger.ts';
import { HeadResumeError } from '../common/errors.ts';
import { headLogFile, newSessionDir, pointLatestAt, recordProcess } from '../common/paths.ts';
import { announceFailure, announceReady, closeOnSignals, readEntryOptions } from '../common/process-entry.ts';
import { readTlsFiles } from '../transport/grpc.ts';
import { describeStore, openControlStore } from './control/open-store.ts';
import { HeadServer } from './head-server.ts';

export interface HeadEntryOptions {
  host?: string;
  port?: number;
  dashboardPort?: number;
  /** Serve `GET /metrics` without the token on this port too (head-server.ts). */
  metricsPort?: number;
  /** Read the token from here instead of generating one (cloud-init puts it there). */
  tokenFile?: string;
  sessionDir?: string;
  heartbeatIntervalMs?: number;
  heartbeatTimeoutMs?: number;
  /** Task attempts the task log keeps (head-server.ts). */
  maxTaskLog?: number;
  /** The model registry, for the dashboard's models page (head-server.ts). */
  registry?: string;
  maxFinishedJobs?: number;
  maxEvents?: number;
  tls?: { cert?: string; key?: string; ca?: string };
  dieWithParent?: boolean;
  logLevel?: string;
  /**
   * Where the control state lives (common/store-spec.ts): memory, sqlite, sqlite:/path/file.db (or a path
   * ending .db), or redis://[user:password@]host:port[/db][?prefix=name]. A password here travels in argv;
   * `convoy start` passes the spec through the environment (CONVOY_STORE) instead.
   * @default CONVOY_STORE, else 'sqlite': control.db in the session folder
   */
  store?: string;
  /**
   * Restart the head of `sessionDir` (`convoy start --head --resume`): its control store must hold a head
   * row, whose gRPC and dashboard ports are taken where `port` / `dashboardPort` are not given, so that its
   * workers and drivers, which redial the address they knew, find it.
   */
  resume?: boolean;
  /**
   * Record this head in $CONVOY_HOME (procs/ and session_latest) so that clients on this machine find it and
   * `convoy stop` stops it: `convoy start` does; an embedded cluster does not.
   */
  record?: boolean;
}

const opts = readEntryOptions<HeadEntryOptions>();
try {
  const sessionDir = opts.sessionDir ?? newSessionDir({ latest: opts.record ?? false });
  if (opts.resume && opts.record) pointLatestAt(sessionDir);
  const log = createLogger({ level: opts.logLevel, file: headLogFile(sessionDir) });
  let token = process.env.CONVOY_TOKEN;
  if (!token && opts.tokenFile) token = readTokenFile(opts.tokenFile);
  if (!token) token = generateToken();
  const tokenFile = opts.tokenFile ?? path.join(sessionDir, 'token');
  if (!opts.tokenFile) writeTokenFile(tokenFile, token);
  const store = await openControlStore(opts.store ?? process.env.CONVOY_STORE, sessionDir, {
    log: log.child({ component: 'control-store' }),
    source: opts.store === undefined ? 'CONVOY_STORE' : 'the store option',
    // Another head holds the cluster now: this one must neither write nor serve stale state. No clean close,
    // which would write to the store; its workers and drivers redial, and find the head that holds it.
    onTaken: (err) => {
      log.error({ err: err.message }, 'stopping: the control store was taken by another head');
      process.stderr.write(`convoy head: ${err.message}\n`);
      process.exit(1);
    },
  });
  log.info({ store: describeStore(store) }, 'control store open');
  let { port, dashboardPort } = opts;
  if (opts.resume) {
    const before = store.meta.get('head');
    if (!before?.address) {
      throw new HeadResumeError(
        `the control store ${describeStore(store)} holds no head to resume (a head of session ${sessionDir} with a memory store, or none ran there): ` +
          'give the --store that head used, or start a new head with `convoy start --head`',
      );
    }
    port ??= portOf(before.address);
    dashboardPort ??= portOf(before.httpAddress);
  }
  const head = new HeadServer({
    token,
    host: opts.host,
    port,
    dashboardPort,
    metricsPort: opts.metricsPort,
    sessionDir,
    heartbeatIntervalMs: opts.heartbeatIntervalMs,
    heartbeatTimeoutMs: opts.heartbeatTimeoutMs,
    maxTaskLog: opts.maxTaskLog,
    registry: opts.registry,
    maxFinishedJobs: opts.maxFinishedJobs,
    maxEvents: opts.maxEvents,
    tls: opts.tls ? readTlsFiles(opts.tls) : undefined,
    log,
    store,
  });
  await head.start();
  const forget = opts.record
    ? recordProcess({ pid: process.pid, role: 'head', address: head.address, httpAddress: head.httpAddress, tokenFile, sessionDir, startedAt: Date.now() })
    : () => undefined;
  closeOnSignals(async () => {
    forget();
    await head.close();
  }, opts.dieWithParent ?? false);
  announceReady({ role: 'head', address: head.address, httpAddress: head.httpAddress, metricsAddress: head.metricsAddress, tokenFile, sessionDir, pid: process.pid, store: describeStore(store) });
} catch (err) {
  announceFailure(err);
  process.exit(1);
}

function portOf(address: string): number | undefined {
  const port = Number(address.slice(address.lastIndexOf(':') + 1));
  return Number.isInteger(port) && port > 0 ? port : undefined;
}
