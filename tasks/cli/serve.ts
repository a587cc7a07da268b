/**
 * `convoy serve --model NAME`: the model's promoted version as an HTTP forecast service on the cluster
 * (tasks/serving/): replica actors, micro-batching, a bearer token, reload when another version is promoted.
 * Runs until Ctrl-C or SIGTERM, then stops accepting, answers what is in flight and stops the replicas.
 *
 * The service's token is read from --service-token-file, or generated into it (mode 0600) when the file does not
 * exist; it is never printed or logged. (`--token-file` is the cluster's token, as in every other command.)
 */
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../cluster/client/index.ts';
import type { ForecastService as Service } from '../serving/forecast-service.ts';
import { clusterFrom, parseCount } from './shared.ts';

interface ServeFlags {
  model: string;
  registry: string;
  replicas: string;
  replicaCpus: string;
  host: string;
  port: string;
  lake?: string;
  serviceTokenFile?: string;
  batchMax: string;
  batchWaitMs: string;
  pollMs: string;
  maxBodyBytes: string;
  address?: string;
  tokenFile?: string;
}

/** A folder path as the workers see it (absolute); an s3:// URL as it is. */
const located = (where: string) => (/^[a-z][a-z0-9+.-]*:\/\//i.test(where) ? where : path.resolve(where));

function nonNegative(flag: string, v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0) throw new UsageError(`${flag} must be a number ≥ 0, got "${v}"`);
  return n;
}

/** The token in `file`, or a new one written there (mode 0600) when the file does not exist. */
function serviceToken(file: string): { token: string; generated: boolean } {
  if (existsSync(file)) {
    const token = readFileSync(file, 'utf8').trim();
    if (token.length < 16) throw new UsageError(`--service-token-file ${file} holds ${token.length ? 'a token shorter than 16 characters' : 'no token'}: put a long random token in it, or remove it to have one generated`);
    return { token, generated: false };
  }
  mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const token = randomBytes(32).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600, flag: 'wx' });
  return { token, generated: true };
}

export function registerServe(program: Command): void {
  program
    .command('serve')
    .description('serve a registered model\'s promoted version as an HTTP forecast service on the cluster (reloads when another version is promoted)')
    .requiredOption('--model <name>', 'the registered model to serve')
    .option('--registry <path|s3://bucket/prefix>', 'where the model is registered', 'data/registry')
    .option('--replicas <n>', 'replica actors, each holding the model', '2')
    .option('--replica-cpus <n>', 'CPUs each replica holds', '1')
    .option('--host <host>', 'address to listen on (anything but loopback exposes the service)', '127.0.0.1')
    .option('--port <port>', 'port to listen on (0: any free port)', '8300')
    .option('--lake <path|s3://bucket/prefix>', 'a lake to read histories from, for requests with "fromLake"')
    .option('--service-token-file <path>', 'file holding the token requests must send (generated there if missing; default data/serve/<model>.token)')
    .option('--batch-max <n>', 'requests per replica call at most', '32')
    .option('--batch-wait-ms <ms>', 'how long a batch waits for more requests after its first', '5')
    .option('--poll-ms <ms>', 'how often the registry is read for a newly promoted version', '2000')
    .option('--max-body-bytes <n>', 'largest request body accepted', String(1024 * 1024))
    .option('--address <host:port>', 'cluster head (default: CONVOY_ADDRESS, else an embedded local cluster)')
    .option('--token-file <path>', 'cluster token file')
    .action(async (f: ServeFlags) => {
      const replicas = parseCount('--replicas', f.replicas);
      const port = Number(f.port);
      if (!Number.isInteger(port) || port < 0 || port > 65_535) throw new UsageError(`--port must be a port number 0–65535, got "${f.port}"`);
      const batch = { maxBatch: parseCount('--batch-max', f.batchMax), maxWaitMs: nonNegative('--batch-wait-ms', f.batchWaitMs) };
      const pollMs = parseCount('--poll-ms', f.pollMs);
      const maxBodyBytes = parseCount('--max-body-bytes', f.maxBodyBytes);
      const replicaCpus = nonNegative('--replica-cpus', f.replicaCpus);
      const tokenFile = path.resolve(f.serviceTokenFile ?? path.join('data', 'serve', `${f.model}.token`));
      const { token, generated } = serviceToken(tokenFile);
      const [{ ForecastService }, { startHttpFront }] = await Promise.all([import('../serving/forecast-service.ts'), import('../serving/http-front.ts')]);

      const cluster = await clusterFrom(f);
      const log = (event: string, fields: Record<string, unknown>) =>
        console.error(`serve: ${event} ${Object.entries(fields).map(([k, v]) => `${k}=${String(v)}`).join(' ')}`);
      let service: Service | undefined;
      try {
        service = await ForecastService.start({ cluster, registry: located(f.registry), model: f.model, replicas, replicaCpus, batch, pollMs, log, ...(f.lake ? { lake: located(f.lake) } : {}) });
        const front = await startHttpFront({ service, token, host: f.host, port, maxBodyBytes });
        if (!['127.0.0.1', 'localhost', '::1'].includes(f.host)) {
          console.error(`serve: listening on ${f.host}, beyond this machine: anyone who reaches it with the token can call it, over plain HTTP (put TLS in front of it)`);
        }
        console.log(
          `serving ${f.model} v${service.version} on http://${front.address} with ${replicas} replica(s): POST /forecast, GET /healthz\n` +
            `requests need "Authorization: Bearer <token>" with the token in ${tokenFile}${generated ? ' (generated now)' : ''}`,
        );
        await new Promise<void>((resolve) => {
          const stop = (signal: NodeJS.Signals) => {
            process.off('SIGINT', stop);
            process.off('SIGTERM', stop);
            // A second Ctrl-C while stopping ends the process at once.
            process.once('SIGINT', () => process.exit(130));
            console.error(`serve: ${signal}: stopping (answering the requests in flight)`);
            resolve();
          };
          process.on('SIGINT', stop);
          process.on('SIGTERM', stop);
        });
        await front.close();
      } finally {
        await service?.close();
        await cluster.close();
      }
      console.error('serve: stopped');
    });
}
