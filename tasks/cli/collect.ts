/**
 * `convoy collect`: the distributed collection job from the command line, with a live progress bar (samples,
 * rate, ETA, shards, API requests and cost). Interrupt it and run the same command again to finish.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import { UsageError } from '../../cluster/client/index.ts';
import type { CollectOptions, CollectProgress, CollectSummary } from '../collect/index.ts';
// The names alone (not the job) so that `convoy --help` does not load the whole job.
import { SOURCE_NAMES, isSourceName, type ProviderSourceName } from '../traffic/source-names.ts';
import { formatCount, formatEta, formatRate } from '../../cluster/common/index.ts';
import { clusterFrom, parseCount, remoteCluster } from './shared.ts';

/** The flag each collect option comes from, for errors the user can act on. */
const FLAG_OF: Record<string, string> = {
  source: '--source',
  cities: '--cities',
  from: '--from',
  to: '--to',
  target: '--target',
  lake: '--lake',
  seed: '--seed',
  shardSamples: '--shard-samples',
  osm: '--osm',
  'provider.baseUrl': '--base-url',
  'provider.secretsFile': '--secrets-file',
};

interface CollectFlags {
  source: string;
  cities: string;
  from: string;
  to: string;
  target: string;
  lake: string;
  seed: string;
  shardSamples?: string;
  osm: string[];
  baseUrl?: string;
  secretsFile?: string;
  quota?: string;
  address?: string;
  tokenFile?: string;
  quiet?: boolean;
  json?: boolean;
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('collect traffic samples into the lake, spread over the cluster (resumable: run it again to finish)')
    .requiredOption('--source <source>', `where samples come from: ${SOURCE_NAMES.join(', ')}`)
    .requiredOption('--cities <list>', "comma-separated city keys, or 'all' for the 20 built-in cities")
    .requiredOption('--from <date>', 'first day (YYYY-MM-DD, UTC)')
    .requiredOption('--to <date>', 'end, exclusive (YYYY-MM-DD, UTC)')
    .requiredOption('--target <n>', 'samples to collect in all (e.g. 1e9)')
    .requiredOption('--lake <path|s3://bucket/prefix>', 'where the Parquet lake lives')
    .option('--seed <n>', 'seed of the synthetic source', '1')
    .option('--shard-samples <n>', 'samples per shard (synthetic) or requests per shard (APIs)')
    .option('--osm <city=path>', 'road network for a city from an OSM extract (repeatable)', (v: string, acc: string[]) => [...acc, v], [])
    .option('--base-url <url>', 'provider endpoint (for a proxy or a test server)')
    .option('--secrets-file <path>', 'JSON file with provider keys (mode 0600), readable by the workers')
    .option('--quota <n/day|n/month>', "requests each key may send (default: the provider's free tier, so nothing is billed)")
    .option('--address <host:port>', 'cluster head (default: CONVOY_ADDRESS, else an embedded local cluster)')
    .option('--token-file <path>', 'cluster token file')
    .option('--quiet', 'no progress bar')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: CollectFlags) => {
      // Everything is checked before a process starts: a bad flag fails in a moment, not after the cluster is up.
      const { options, job } = await checkedOptions(flags);
      const { collect, CollectError, describeCause } = job;
      if (options.source !== 'synthetic' && !remoteCluster(flags)) await checkKeys(options.source, flags.secretsFile);
      const cluster = await clusterFrom(flags);
      const tty = process.stderr.isTTY && !flags.quiet;
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: 'collect |{bar}| {percentage}% {value}/{total} samples | {rate}/s | ETA {eta_s} | shards {shards}{api}', hideCursor: true, formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? formatCount(v) : String(v)) },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let lastLine = 0;
      const show = (p: CollectProgress) => {
        const api = options.source === 'synthetic' ? '' : ` | ${formatCount(p.apiRequests)} requests, $${p.costUsd.toFixed(2)}`;
        const fields = { rate: formatCount(p.rate), eta_s: formatEta(p.etaS), shards: `${p.shardsDone}/${p.shardsTotal}`, api };
        if (bar) {
          if (!bar.isActive) bar.start(p.target, p.samples, fields);
          bar.update(p.samples, fields);
        } else if (!flags.quiet && Date.now() - lastLine > 5000) {
          lastLine = Date.now();
          process.stderr.write(`collect: ${formatCount(p.samples)}/${formatCount(p.target)} samples, ${formatRate(p.rate)}, ETA ${formatEta(p.etaS)}, shards ${p.shardsDone}/${p.shardsTotal}${api}\n`);
        }
      };
      try {
        let summary: CollectSummary;
        try {
          summary = await collect(cluster, options, { onProgress: show });
        } catch (err) {
          bar?.stop();
          // The summary of what was kept goes out as usual; the error (one line per cause) follows on stderr.
          if (err instanceof CollectError && flags.json) console.log(JSON.stringify(err.summary, null, 2));
          throw err;
        }
        bar?.stop();
        for (const c of summary.recoveredFailures) process.stderr.write(`convoy: note: ${describeCause(c)} (made up for by further requests)\n`);
        if (flags.json) console.log(JSON.stringify(summary, null, 2));
        else console.log(summaryLine(summary, options.source));
      } finally {
        bar?.stop();
        await cluster.close();
      }
    });
}

/** The job's options from the flags, checked as the job will check them, with each problem named by its flag. */
async function checkedOptions(flags: CollectFlags) {
  const osm: Record<string, string> = {};
  for (const pair of flags.osm) {
    const [city, file, ...rest] = pair.split('=');
    if (!city || !file || rest.length) throw new UsageError(`--osm takes city=path (e.g. --osm helsinki=helsinki.osm.pbf), got "${pair}"`);
    osm[city] = file;
  }
  const seed = Number(flags.seed);
  if (!Number.isInteger(seed)) throw new UsageError(`--seed must be a whole number, got "${flags.seed}"`);
  if (!isSourceName(flags.source)) throw new UsageError(`--source must be one of ${SOURCE_NAMES.join(', ')}, got "${flags.source}"`);
  const options: CollectOptions = {
    source: flags.source,
    cities: flags.cities.trim() === 'all' ? 'all' : flags.cities.split(',').map((c) => c.trim()).filter(Boolean),
    from: flags.from,
    to: flags.to,
    target: parseCount('--target', flags.target),
    lake: flags.lake,
    seed,
    shardSamples: flags.shardSamples ? parseCount('--shard-samples', flags.shardSamples) : undefined,
    osm: Object.keys(osm).length ? osm : undefined,
    provider:
      flags.baseUrl || flags.secretsFile || flags.quota
        ? { baseUrl: flags.baseUrl, secretsFile: flags.secretsFile, ...(flags.quota ? { quota: parseQuota(flags.quota) } : {}) }
        : undefined,
  };
  if (options.cities.length === 0) throw new UsageError("--cities: give comma-separated city keys (e.g. berlin,madrid), or 'all'");
  const job = await import('../collect/index.ts');
  try {
    job.parseCollectOptions(options);
  } catch (err) {
    if (!(err instanceof job.CollectOptionsError)) throw err;
    const flag = (option: string) => FLAG_OF[option] ?? option;
    throw new UsageError(err.issues.map((i) => `${flag(i.option)}: ${i.message.replace(/`(\w+)`/g, (_, o: string) => flag(o))}`).join('; '));
  }
  return { options, job };
}

/** `10000/day` or `300000/month`: requests per key and window. */
function parseQuota(v: string): { perDay: number } | { perMonth: number } {
  const m = /^\s*([\d_,]+)\s*\/\s*(day|month)\s*$/i.exec(v);
  const n = m ? Number(m[1]!.replace(/[_,]/g, '')) : NaN;
  if (!m || !Number.isInteger(n) || n <= 0) throw new UsageError(`--quota takes requests per key and window, like 10000/day or 300000/month, got "${v}"`);
  return m[2]!.toLowerCase() === 'day' ? { perDay: n } : { perMonth: n };
}

/**
 * An embedded cluster's workers read the provider keys from this process's environment (or the secrets
 * file): a missing key is known before anything starts. A remote cluster's workers have their own.
 */
async function checkKeys(source: string, secretsFile: string | undefined): Promise<void> {
  const [{ loadApiKeys }, { MissingApiKeyError, SecretsFileError }] = await Promise.all([import('../sources/http/secrets.ts'), import('../sources/errors.ts')]);
  try {
    await loadApiKeys(source as ProviderSourceName, { secretsFile });
  } catch (err) {
    if (err instanceof MissingApiKeyError || err instanceof SecretsFileError) throw new UsageError(err.message);
    throw err;
  }
}

function summaryLine(s: CollectSummary, source: string): string {
  const api = source === 'synthetic' ? '' : `; ${formatCount(s.apiRequests)} API requests, estimated $${s.costUsd.toFixed(2)}`;
  const shards = `${s.shardsTotal} shard${s.shardsTotal === 1 ? '' : 's'}`;
  const into = `collected ${formatCount(s.samples)} of ${formatCount(s.target)} samples into ${s.lake}`;
  // A job done in one run: its rate is this run's. Otherwise say both, and which is the job's.
  const oneRun = s.skipped === 0 && Math.abs(s.jobElapsedS - s.elapsedS) < 1e-9;
  if (oneRun) return `${into} (${shards}) in ${s.elapsedS.toFixed(1)} s, ${formatCount(s.rate)} samples/s${api}`;
  const job = s.jobElapsedS > 0 ? `the job: ${formatCount(s.samples)} samples in ${s.jobElapsedS.toFixed(1)} s over its runs, ${formatCount(s.rate)} samples/s` : "the job's earlier runs have no recorded time";
  return `${into} (${shards}, ${s.skipped} already there); this run: ${formatCount(s.run.samples)} samples in ${s.elapsedS.toFixed(1)} s; ${job}${api}`;
}
