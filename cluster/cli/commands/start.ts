/**
 * `convoy start --head` and `convoy start --address HOST:PORT`: start a head or a worker on this machine, in
 * the background (the command returns once it is ready, like `ray start`) or in the foreground with `--block`
 * (for systemd and cloud-init).
 */
import { existsSync, mkdirSync, openSync, realpathSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { waitReady } from '../../common/child-process.ts';
import { convoyHome, latestSessionDir } from '../../common/paths.ts';
import { encodeEntryOptions } from '../../common/process-entry.ts';
import { spawnTs } from '../../common/spawn.ts';
import { findCluster } from '../../common/cluster-target.ts';
import { recordedHead } from '../../common/paths.ts';
import { ControlStoreSpecError, UsageError } from '../../common/errors.ts';
import { parseStoreSpec } from '../../common/store-spec.ts';
import { parseMemoryUsageThreshold } from '../../../scheduler/memory-pressure.ts';

const HEAD_MAIN = new URL('../../head/main.ts', import.meta.url);
const WORKER_MAIN = new URL('../../worker/main.ts', import.meta.url);
/** A hung start, not a slow one: a loaded machine can take most of a minute; a child that dies is seen at once. */
const START_TIMEOUT_MS = 120_000;

interface StartFlags {
  head?: boolean;
  address?: string;
  host: string;
  port?: string;
  dataPort?: string;
  dashboardPort?: string;
  metricsPort?: string;
  resume?: string | boolean;
  numCpus?: string;
  numGpus?: string;
  resources?: string;
  memory?: string;
  objectStoreMemory?: string;
  tokenFile?: string;
  block?: boolean;
  tlsCert?: string;
  tlsKey?: string;
  tlsCa?: string;
  heartbeatTimeoutMs?: string;
  maxTaskLog?: string;
  registry?: string;
  maxFinishedJobs?: string;
  maxEvents?: string;
  store?: string;
  memoryUsageThreshold?: string;
  nodeId?: string;
  spillTo?: string;
  spillDiskBytes?: string;
  s3Endpoint?: string;
  s3PathStyle?: boolean;
}

function int(flag: string, v: string | undefined, min = 0): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UsageError(`${flag} must be a whole number ≥ ${min}, got "${v}"`);
  return n;
}

function num(flag: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new UsageError(`${flag} must be a positive number, got "${v}"`);
  return n;
}

export function parseResources(json: string | undefined): Record<string, number> | undefined {
  if (json === undefined) return undefined;
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch (err) {
    throw new UsageError(`--resources must be JSON like '{"tomtom_key": 1}': ${(err as Error).message}`);
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw new UsageError(`--resources must be a JSON object, got ${json}`);
  for (const [k, n] of Object.entries(v)) {
    if (typeof n !== 'number' || !Number.isFinite(n) || n < 0) throw new UsageError(`--resources: "${k}" must be a number ≥ 0, got ${JSON.stringify(n)}`);
    if (['cpu', 'gpu', 'memory'].includes(k)) throw new UsageError(`--resources: use --num-cpus/--num-gpus/--memory for "${k}"`);
  }
  return v as Record<string, number>;
}

export function registerStart(program: Command): void {
  program
    .command('start')
    .description('start a head (--head) or a worker (--address HOST:PORT) on this machine')
    .option('--head', 'start a head node')
    .option('--address <host:port>', "start a worker that joins the head at this gRPC address")
    .option('--host <host>', 'interface to listen on (use 0.0.0.0 to accept other machines)', '127.0.0.1')
    .option('--port <port>', 'gRPC port (head default 6380; worker default: any free port)')
    .option('--dashboard-port <port>', 'head: jobs API and dashboard port (default 8265)')
    .option('--metrics-port <port>', 'head: also serve GET /metrics on this port WITHOUT the token, for a Prometheus inside the network (on --host)')
    .option(
      '--resume [session-folder]',
      "head: restart the head of an earlier session (default: session_latest) on its folder, token, ports and control store, so its workers, drivers and jobs carry on (give --store again if it was not the session's SQLite)",
    )
    .option('--data-port <port>', 'worker: port of the object data plane (raw object bytes between nodes; default: any free port)')
    .option('--num-cpus <n>', 'worker: CPUs to offer (default: all)')
    .option('--num-gpus <n>', 'worker: GPUs to offer (default: those this machine shows: CUDA_VISIBLE_DEVICES, else /dev/nvidiaN)')
    .option('--resources <json>', `worker: custom resources, e.g. '{"tomtom_key": 1}'`)
    .option('--memory <bytes>', 'worker: schedulable memory in bytes (default: 70% of RAM)')
    .option('--object-store-memory <bytes>', 'worker: object store budget in bytes (default: 30% of RAM)')
    .option(
      '--memory-usage-threshold <fraction>',
      "worker: past this fraction of the node's memory in use, stop the newest running task and retry it (default: CONVOY_MEMORY_USAGE_THRESHOLD, else 0.95; 1 turns it off)",
    )
    .option('--token-file <path>', 'read the cluster token from this file (mode 0600)')
    .option('--block', 'stay in the foreground (for systemd and cloud-init)')
    .option('--tls-cert <path>', 'PEM certificate for gRPC TLS')
    .option('--tls-key <path>', 'PEM private key for gRPC TLS')
    .option('--tls-ca <path>', 'PEM CA bundle to verify peers')
    .option('--heartbeat-timeout-ms <ms>', 'head: mark a node dead after this long without a heartbeat', '10000')
    .option('--max-task-log <n>', 'head: task attempts kept for the tasks page and `convoy timeline`, the oldest dropped first (default 10000)')
    .option('--registry <path|s3://bucket/prefix>', "head: the model registry, for the dashboard's models page (as convoy model --registry; a folder is made absolute)")
    .option('--max-finished-jobs <n>', 'head: finished jobs kept with their logs, the oldest dropped first (default 1000)')
    .option('--max-events <n>', "head: node, job and warning events kept for the dashboard's feed (default 200)")
    .option(
      '--store <spec>',
      'head: where the control state is kept, so a restarted head finds it: sqlite (control.db in the session folder), sqlite:/path/file.db, ' +
        'redis://[user:password@]host:port[/db][?prefix=name] (a head that must survive its machine), or memory (default: CONVOY_STORE, else sqlite)',
    )
    .option('--node-id <id>', 'worker: a stable node id')
    .option('--spill-to <url>', 'worker: spill objects past --spill-disk-bytes to this storage (s3://bucket/prefix or a folder)')
    .option('--spill-disk-bytes <bytes>', 'worker: local spill folder size before objects move to --spill-to (default 10 GiB)')
    .option('--s3-endpoint <url>', 'worker: S3-compatible endpoint for --spill-to (default: AWS_ENDPOINT_URL)')
    .option('--s3-path-style', 'worker: address buckets by path (MinIO, s3rver, most S3-compatible stores)')
    .action(async (flags: StartFlags) => {
      if (!!flags.head === !!flags.address) throw new UsageError('give exactly one of --head or --address HOST:PORT');
      const tls = flags.tlsCert || flags.tlsKey || flags.tlsCa ? { cert: flags.tlsCert, key: flags.tlsKey, ca: flags.tlsCa } : undefined;
      if (flags.resume !== undefined && !flags.head) throw new UsageError('--resume restarts a head: give it with --head');
      if (flags.head) {
        const resumed = flags.resume === undefined ? undefined : sessionToResume(flags.resume === true ? true : String(flags.resume), flags.tokenFile);
        const existing = recordedHead();
        if (existing && resumed && existing.sessionDir === resumed.sessionDir) {
          throw new UsageError(`the head of ${resumed.sessionDir} still runs (pid ${existing.pid}, ${existing.address}): nothing to resume; \`convoy stop\` stops it`);
        }
        if (existing) {
          console.error(`note: a head already runs on this machine (pid ${existing.pid}, ${existing.address})`);
        }
        const opts = {
          host: flags.host,
          // Resuming, the ports are the session's own (main.ts reads them from its store) unless given.
          port: int('--port', flags.port ?? (resumed ? undefined : '6380')),
          dashboardPort: int('--dashboard-port', flags.dashboardPort ?? (resumed ? undefined : '8265')),
          metricsPort: int('--metrics-port', flags.metricsPort),
          tokenFile: flags.tokenFile ?? resumed?.tokenFile,
          ...(resumed ? { sessionDir: resumed.sessionDir, resume: true } : {}),
          heartbeatTimeoutMs: int('--heartbeat-timeout-ms', flags.heartbeatTimeoutMs, 100),
          maxTaskLog: int('--max-task-log', flags.maxTaskLog, 1),
          ...(flags.registry ? { registry: /^[a-z][a-z0-9+.-]*:\/\//i.test(flags.registry) ? flags.registry : path.resolve(flags.registry) } : {}),
          maxFinishedJobs: int('--max-finished-jobs', flags.maxFinishedJobs, 1),
          maxEvents: int('--max-events', flags.maxEvents, 1),
          tls,
          record: true,
        };
        // Through the environment, not the options (argv): a Redis URL may hold a password.
        const info = await launch(HEAD_MAIN, opts, !!flags.block, 'head', { CONVOY_STORE: storeSpec(flags.store) });
        if (!info) return;
        console.log(`Convoy head started (pid ${info.pid}).
  gRPC address:  ${info.address}
  dashboard:     http://${info.httpAddress}   (sign in once with http://${info.httpAddress}/?token=<the token>)
  token file:    ${info.tokenFile}   (mode 0600; workers and clients need this token)
  control store: ${info.store}
  metrics:       http://${info.httpAddress}/metrics (with the token)${info.metricsAddress ? `; http://${info.metricsAddress}/metrics without it` : ''}

Add a worker on this machine:   convoy start --address ${info.address}
Add one on another machine:     copy the token file there, then
                                convoy start --address <this host's IP>:${String(info.address).split(':').pop()} --token-file <file>
                                (start the head with --host 0.0.0.0 so other machines can reach it)
Check the cluster:              convoy status
Stop what convoy start started: convoy stop`);
        return;
      }
      const opts = {
        address: flags.address!,
        host: flags.host,
        port: int('--port', flags.port ?? '0'),
        dataPort: int('--data-port', flags.dataPort ?? '0'),
        numCpus: num('--num-cpus', flags.numCpus),
        numGpus: int('--num-gpus', flags.numGpus),
        resources: parseResources(flags.resources),
        memory: int('--memory', flags.memory, 1),
        objectStoreMemory: int('--object-store-memory', flags.objectStoreMemory, 1),
        memoryUsageThreshold: threshold(flags.memoryUsageThreshold),
        nodeId: flags.nodeId,
        tls,
        spillTo: flags.spillTo,
        spillDiskBytes: int('--spill-disk-bytes', flags.spillDiskBytes, 0),
        spillS3: flags.s3Endpoint || flags.s3PathStyle ? { endpoint: flags.s3Endpoint, forcePathStyle: !!flags.s3PathStyle } : undefined,
        record: true,
      };
      // Flags are checked first: a typo should not be reported as a missing token. The token is the one of
      // the head joined, as for any client: --token-file, that head's own token file when it was started
      // here, else CONVOY_TOKEN / CONVOY_TOKEN_FILE.
      const target = findCluster({ address: flags.address!, tokenFile: flags.tokenFile, embedded: false });
      if (target.kind !== 'head' || !target.grpcAddress) throw new UsageError("--address must be the head's gRPC address HOST:PORT (6380 by default)");
      const info = await launch(WORKER_MAIN, { ...opts, address: target.grpcAddress }, !!flags.block, 'worker', { CONVOY_TOKEN: target.token });
      if (info) console.log(`Convoy worker ${info.nodeId} started (pid ${info.pid}), serving at ${info.address}, joined ${flags.address}.`);
    });
}

/**
 * The session folder `--resume` names (or session_latest's), with its token file: both must be there, or
 * there is nothing to resume.
 */
function sessionToResume(given: string | true, tokenFileGiven: string | undefined): { sessionDir: string; tokenFile: string } {
  const named = given === true ? latestSessionDir() : path.resolve(given);
  let sessionDir: string;
  try {
    sessionDir = realpathSync(named);
  } catch {
    throw new UsageError(
      given === true
        ? `--resume: no earlier session here (${named} does not exist): start a head with \`convoy start --head\`, or name a session folder`
        : `--resume: no session folder at ${named}: give a folder under ${convoyHome()} (session_…)`,
    );
  }
  const tokenFile = tokenFileGiven ?? path.join(sessionDir, 'token');
  if (!existsSync(tokenFile)) {
    throw new UsageError(`--resume: ${sessionDir} has no token file (it is not a head's session folder, or its head read --token-file): give that --token-file`);
  }
  return { sessionDir, tokenFile };
}

/**
 * Foreground (`--block`): run the entry in this process's place and wait for it. Background: start it
 * detached with its output in $CONVOY_HOME/logs, wait for its ready message, then let it go.
 */
async function launch(entry: URL, opts: object, block: boolean, role: string, env: Record<string, string>): Promise<Record<string, unknown> | undefined> {
  const childEnv = { ...process.env, ...env };
  if (block) {
    const child = spawnTs(entry, [encodeEntryOptions(opts)], { env: childEnv, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const forward = (sig: NodeJS.Signals) => child.kill(sig);
    process.on('SIGTERM', forward);
    process.on('SIGINT', forward);
    const info = await waitReady(child, role, START_TIMEOUT_MS);
    console.log(`Convoy ${role} running in the foreground (pid ${info.pid}) at ${info.address}. Ctrl-C stops it.`);
    const code = await new Promise<number>((r) => child.once('exit', (c) => r(c ?? 0)));
    process.exit(code);
  }
  const logDir = path.join(convoyHome(), 'logs');
  mkdirSync(logDir, { recursive: true, mode: 0o700 });
  const out = openSync(path.join(logDir, `${role}-${Date.now()}.out`), 'a', 0o600);
  const child = spawnTs(entry, [encodeEntryOptions(opts)], { env: childEnv, detached: true, stdio: ['ignore', out, out, 'ipc'] });
  const info = await waitReady(child, role, START_TIMEOUT_MS);
  child.disconnect();
  child.unref();
  return info;
}

/** --memory-usage-threshold, checked here so a bad value is a usage error, not a worker that fails to start. */
function threshold(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseMemoryUsageThreshold(text, '--memory-usage-threshold');
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/**
 * --store (else CONVOY_STORE), checked here so a bad value is a usage error, not a head that fails to start;
 * a relative SQLite path is made absolute from this folder. '' asks for the default.
 */
function storeSpec(flag: string | undefined): string {
  const given = flag ?? process.env.CONVOY_STORE;
  if (given === undefined || given.trim() === '') return '';
  try {
    // The session folder is the head's to make; a placeholder is enough to check the form.
    const spec = parseStoreSpec(given, '.', flag === undefined ? 'CONVOY_STORE' : '--store');
    return spec.kind === 'sqlite' && given.trim() !== 'sqlite' ? `sqlite:${spec.file}` : given.trim();
  } catch (err) {
    if (err instanceof ControlStoreSpecError) throw new UsageError(err.message);
    throw err;
  }
}
