/**
 * `convoy collect`: the distributed collection job from the command line, with a live progress bar (samples,
 * rate, ETA, shards, API requests and cost). Interrupt it and run the same command again to finish.
 */
import type { Command } from 'commander';
import cliProgress from 'cli-progress';
import type { CollectProgress } from '../collect/index.ts';

// Kept here (not imported from the job) so `convoy --help` does not load the whole job.
const SOURCES = ['synthetic', 'tomtom', 'here', 'mapbox'] as const;
import { clusterFrom, count, parseCount, seconds } from './shared.ts';

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
  address?: string;
  tokenFile?: string;
  quiet?: boolean;
  json?: boolean;
}

export function registerCollect(program: Command): void {
  program
    .command('collect')
    .description('collect traffic samples into the lake, spread over the cluster (resumable: run it again to finish)')
    .requiredOption('--source <source>', `where samples come from: ${SOURCES.join(', ')}`)
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
    .option('--address <host:port>', 'cluster head (default: CONVOY_ADDRESS, else an embedded local cluster)')
    .option('--token-file <path>', 'cluster token file')
    .option('--quiet', 'no progress bar')
    .option('--json', 'print the summary as JSON')
    .action(async (flags: CollectFlags) => {
      const osm: Record<string, string> = {};
      for (const pair of flags.osm) {
        const [city, file] = pair.split('=');
        if (!city || !file) throw new TypeError(`--osm takes city=path, got "${pair}"`);
        osm[city] = file;
      }
      const seed = Number(flags.seed);
      if (!Number.isInteger(seed)) throw new TypeError(`--seed must be a whole number, got "${flags.seed}"`);
      const options = {
        source: flags.source as (typeof SOURCES)[number],
        cities: flags.cities === 'all' ? ('all' as const) : flags.cities.split(',').map((c) => c.trim()).filter(Boolean),
        from: flags.from,
        to: flags.to,
        target: parseCount('--target', flags.target),
        lake: flags.lake,
        seed,
        shardSamples: flags.shardSamples ? parseCount('--shard-samples', flags.shardSamples) : undefined,
        osm: Object.keys(osm).length ? osm : undefined,
        provider: flags.baseUrl || flags.secretsFile ? { baseUrl: flags.baseUrl, secretsFile: flags.secretsFile } : undefined,
      };
      if (!SOURCES.includes(options.source)) throw new TypeError(`--source must be one of ${SOURCES.join(', ')}, got "${flags.source}"`);
      const { collect } = await import('../collect/index.ts');
      const cluster = await clusterFrom(flags);
      const tty = process.stderr.isTTY && !flags.quiet;
      const bar = tty
        ? new cliProgress.SingleBar(
            { format: 'collect |{bar}| {percentage}% {value}/{total} samples | {rate}/s | ETA {eta_s} | shards {shards}{api}', hideCursor: true, formatValue: (v, _o, type) => (type === 'value' || type === 'total' ? count(v) : String(v)) },
            cliProgress.Presets.shades_classic,
          )
        : undefined;
      let lastLine = 0;
      const show = (p: CollectProgress) => {
        const api = options.source === 'synthetic' ? '' : ` | ${count(p.apiRequests)} requests, $${p.costUsd.toFixed(2)}`;
        const fields = { rate: count(p.rate), eta_s: seconds(p.etaS), shards: `${p.shardsDone}/${p.shardsTotal}`, api };
        if (bar) {
          if (!bar.isActive) bar.start(p.target, p.samples, fields);
          bar.update(p.samples, fields);
        } else if (!flags.quiet && Date.now() - lastLine > 5000) {
          lastLine = Date.now();
          process.stderr.write(`collect: ${count(p.samples)}/${count(p.target)} samples, ${count(p.rate)}/s, ETA ${seconds(p.etaS)}, shards ${p.shardsDone}/${p.shardsTotal}${api}\n`);
        }
      };
      try {
        const summary = await collect(cluster, options, { onProgress: show });
        bar?.stop();
        if (flags.json) console.log(JSON.stringify(summary, null, 2));
        else {
          console.log(
            `collected ${count(summary.samples)} of ${count(summary.target)} samples into ${summary.lake} ` +
              `(${summary.shardsTotal} shards, ${summary.skipped} already there) in ${summary.elapsedS.toFixed(1)} s, ` +
              `${count(summary.rate)} samples/s` +
              (options.source === 'synthetic' ? '' : `; ${count(summary.apiRequests)} API requests, estimated $${summary.costUsd.toFixed(2)}`),
          );
        }
      } finally {
        bar?.stop();
        await cluster.close();
      }
    });
}
