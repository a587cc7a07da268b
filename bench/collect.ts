/**
 * Synthetic collection end to end: samples generated, Parquet-encoded and committed to a local lake by the
 * real collection job on the embedded cluster, in samples per second.
 *
 *   npm run bench -- collect [--target 20000000] [--cities 20] [--days 1] [--shard-samples 1000000] [--reps 1]
 *                            [--warmup-samples 400000] [--workers 2] [--cpus-per-worker 1] [--dir /tmp/x] [--keep]
 *                            [--result-file bench/out/collect.json]
 *
 * `collect()` from tasks/collect runs on a `connect()`ion to an embedded cluster of a head and `--workers` worker
 * processes on loopback (started here, so their CPU time can be read from /proc). Each rep
 * collects `--target` samples over the first `--cities` built-in cities and `--days` days into a fresh lake
 * folder; `samples_per_s` is the target over the wall time from the call to the job's summary (planning, every
 * shard's generate → encode → commit, the final report). The job's own `rate` is reported too, with the
 * cluster's CPU count (the sum over its live nodes), which is also the `workers` that `convoy plan` divides by,
 * and where the time went: the workers' and driver's CPU seconds and how busy the cluster's CPUs were.
 *
 * Warm-up: one untimed job of `--warmup-samples` (one small shard per city) first, so every pool thread has
 * loaded the shard task, the lake writer and parquet-wasm before the clock starts, as in a long-running cluster.
 * Each rep is checked: the summary, the lake's commit records and DuckDB reading the Parquet files must all
 * count exactly the target, so a fast run that loses or duplicates samples fails the bench.
 *
 * The result also goes to `--result-file` (bench/out/collect.json: `samples_per_s` and `workers` at the top
 * level) for `convoy plan`.
 */
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { z } from 'zod';
import { connect, type Cluster } from '../cluster/client/index.ts';
import { startLocalCluster } from '../cluster/client/embedded.ts';
import { collect, type CollectProgress, type CollectSummary } from '../tasks/collect/index.ts';
import { openLake } from '../tasks/lake/index.ts';
import { CITY_KEYS } from '../tasks/traffic/cities.ts';
import { booleanFlag, countFlag, parseBenchOptions } from './lib/options.ts';
import { startCpuMeter } from './lib/proc-cpu.ts';
import { formatNumber, renderResult, textTable, writeStdout, type BenchResult } from './lib/report.ts';
import { round, summarize } from './lib/stats.ts';

export const collectBenchOptionsSchema = z.object({
  /** Samples each rep collects. @default 20000000 */
  target: countFlag(20_000_000),
  /** How many of the built-in cities (at most 20). @default 20 */
  cities: countFlag(20).refine((n) => n <= CITY_KEYS.length, `there are ${CITY_KEYS.length} built-in cities`),
  /** UTC days the samples span, from 2026-01-05. @default 1 */
  days: countFlag(1),
  /** Samples per shard (one cluster task each). @default 1000000 */
  shardSamples: countFlag(1_000_000),
  /** Timed runs; the median is reported. @default 1 */
  reps: countFlag(1),
  /** Samples of the untimed warm-up job. @default 400000 */
  warmupSamples: countFlag(400_000),
  /** Worker processes of the embedded cluster. @default 2 */
  workers: countFlag(2),
  /** CPUs each worker offers. @default half of this machine's CPUs, at least 1 */
  cpusPerWorker: z.coerce.number().positive().optional(),
  /** Parent folder for the lakes. @default a new folder under the OS temp dir */
  dir: z.string().min(1).optional(),
  /** Keep the lakes afterwards (they are deleted by default). @default false */
  keep: booleanFlag(false),
  /** Where the result is kept for `convoy plan`. @default bench/out/collect.json */
  resultFile: z.string().min(1).default(fileURLToPath(new URL('./out/collect.json', import.meta.url))),
});

export type CollectBenchOptions = z.output<typeof collectBenchOptionsSchema>;

/** The target on the 2-core development machine. */
export const TARGET_SAMPLES_PER_S = 1_000_000;
const FROM = Date.UTC(2026, 0, 5);
const DAY_MS = 86_400_000;

/** The lake does not hold exactly what the job says it collected. */
export class CollectBenchMismatchError extends Error {
  override readonly name = 'CollectBenchMismatchError';
  constructor(
    readonly lake: string,
    readonly counts: { target: number; summary: number; lake: number; duckdb: number },
  ) {
    super(
      `the lake at ${lake} does not hold exactly the target of ${counts.target} samples (job summary ${counts.summary}, ` +
        `lake commits ${counts.lake}, DuckDB ${counts.duckdb}); the collection lost or duplicated samples. Run with --keep to inspect it`,
    );
  }
}

export type CollectBenchProgress =
  | { readonly kind: 'setup'; readonly message: string }
  | { readonly kind: 'job'; readonly label: string; readonly progress: CollectProgress };

const printProgress = (() => {
  let last = 0;
  return (p: CollectBenchProgress) => {
    if (p.kind === 'setup') return void process.stderr.write(`[collect] ${p.message}\n`);
    const now = performance.now();
    const done = p.progress.samples >= p.progress.target;
    if (!done && now - last < 2000) return;
    last = now;
    const eta = p.progress.etaS === null ? '?' : `${Math.round(p.progress.etaS)} s`;
    process.stderr.write(
      `[collect] ${p.label}: ${formatNumber(p.progress.samples)}/${formatNumber(p.progress.target)} samples, ` +
        `${p.progress.shardsDone}/${p.progress.shardsTotal} shards, ${formatNumber(Math.round(p.progress.rate))}/s, ETA ${eta}\n`,
    );
  };
})();

interface RepResult {
  seconds: number;
  samplesPerS: number;
  jobRate: number;
  shards: number;
  lakeBytes: number;
  /** CPU seconds the worker processes (all their threads) and the driver used during the rep (NaN off Linux). */
  workerCpuS: number;
  driverCpuS: number;
}

export async function run(args: string[], onProgress: (p: CollectBenchProgress) => void = printProgress): Promise<BenchResult> {
  const o = parseBenchOptions(collectBenchOptionsSchema, args);
  const setup = (message: string) => onProgress({ kind: 'setup', message });
  const cities = CITY_KEYS.slice(0, o.cities);
  const parent = o.dir ?? (await mkdtemp(path.join(os.tmpdir(), 'convoy-bench-collect-')));
  await mkdir(parent, { recursive: true });
  const loadBefore = os.loadavg()[0]!;
  setup(`starting an embedded cluster: ${o.workers} workers`);
  const local = await startLocalCluster({ workers: o.workers, cpusPerWorker: o.cpusPerWorker, startTimeoutMs: 60_000 });
  const reps: RepResult[] = [];
  let cpus = 0;
  let cluster: Cluster | undefined;
  try {
    cluster = await connect(local.address, { token: local.token });
    cpus = await clusterCpus(cluster);
    const job = (target: number, shardSamples: number, lake: string, seed: number, label: string) =>
      collect(
        cluster!,
        { source: 'synthetic', cities, from: FROM, to: FROM + o.days * DAY_MS, target, shardSamples, lake, seed },
        { onProgress: (progress) => onProgress({ kind: 'job', label, progress }) },
      );
    setup(`warm-up: ${formatNumber(o.warmupSamples)} samples (untimed) on ${cpus} CPUs`);
    const warmLake = path.join(parent, 'warmup');
    await job(o.warmupSamples, Math.max(1, Math.ceil(o.warmupSamples / (cities.length * o.days))), warmLake, 1, 'warm-up');
    if (!o.keep) await rm(warmLake, { recursive: true, force: true });
    for (let rep = 0; rep < o.reps; rep++) {
      const lake = path.join(parent, `rep-${rep + 1}`);
      const label = `rep ${rep + 1}/${o.reps}`;
      const cpu = startCpuMeter({ workers: local.workers.map((w) => w.pid), driver: [process.pid] });
      const started = performance.now();
      const summary = await job(o.target, o.shardSamples, lake, rep + 2, label);
      const seconds = (performance.now() - started) / 1000;
      const used = cpu();
      const lakeBytes = await checkLake(lake, o.target, summary);
      reps.push({
        seconds,
        samplesPerS: o.target / seconds,
        jobRate: summary.rate,
        shards: summary.shardsTotal,
        lakeBytes,
        workerCpuS: (used?.workers ?? NaN) / 1000,
        driverCpuS: (used?.driver ?? NaN) / 1000,
      });
      setup(`${label}: ${formatNumber(Math.round(o.target / seconds))} samples/s (${round(seconds, 1)} s, job rate ${formatNumber(Math.round(summary.rate))}/s)`);
      if (!o.keep) await rm(lake, { recursive: true, force: true });
    }
  } finally {
    await cluster?.close().catch(() => undefined);
    await local.stop();
    if (!o.keep && !o.dir) await rm(parent, { recursive: true, force: true });
  }
  const result = buildResult(o, reps, { cpus, loadBefore, loadAfter: os.loadavg()[0]! });
  await keepForPlan(o.resultFile, result, setup);
  return result;
}

/** CPUs of the live nodes: what the job could run on. */
async function clusterCpus(cluster: Cluster): Promise<number> {
  const status = await cluster.status();
  return status.nodes.filter((n) => n.state === 'alive').reduce((sum, n) => sum + (n.total.cpu ?? 0), 0);
}

/** Counts the lake three ways (summary, commit records, DuckDB over the files); returns its size in bytes. */
async function checkLake(dir: string, target: number, summary: CollectSummary): Promise<number> {
  const lake = await openLake(dir, { threads: 0 });
  let stats;
  try {
    stats = await lake.stats();
  } finally {
    await lake.close();
  }
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  let duckdb: number;
  try {
    const glob = path.join(dir, '**', '*.parquet').replaceAll("'", "''");
    const r = await con.runAndReadAll(`SELECT count(*)::BIGINT FROM read_parquet('${glob}', hive_partitioning = true)`);
    duckdb = Number(r.getRows()[0]![0]);
  } finally {
    con.closeSync();
    db.closeSync();
  }
  if (summary.samples !== target || stats.rows !== target || duckdb !== target) {
    throw new CollectBenchMismatchError(dir, { target, summary: summary.samples, lake: stats.rows, duckdb });
  }
  return stats.bytes;
}

export function buildResult(o: CollectBenchOptions, reps: readonly RepResult[], extra: { cpus: number; loadBefore: number; loadAfter: number }): BenchResult {
  const med = (pick: (r: RepResult) => number) => summarize(reps.map(pick)).median;
  const samplesPerS = Math.round(med((r) => r.samplesPerS));
  return {
    samples_per_s: samplesPerS,
    job_rate_samples_per_s: Math.round(med((r) => r.jobRate)),
    samples_per_s_per_cpu: Math.round(samplesPerS / Math.max(1, extra.cpus)),
    seconds: round(med((r) => r.seconds), 2),
    ...cpuFigures(reps, extra.cpus),
    target: `${samplesPerS >= TARGET_SAMPLES_PER_S ? 'met' : 'MISSED'} (>= ${TARGET_SAMPLES_PER_S} samples/s)`,
    samples_per_s_runs: reps.map((r) => Math.round(r.samplesPerS)).join(' '),
    // `convoy plan` reads `workers` as the number of CPUs the measured rate came from.
    workers: extra.cpus,
    cpus: extra.cpus,
    worker_processes: o.workers,
    samples: o.target,
    cities: o.cities,
    days: o.days,
    shards: reps[0]?.shards ?? 0,
    shard_samples: o.shardSamples,
    lake_bytes_per_sample: round((reps[0]?.lakeBytes ?? 0) / o.target, 2),
    reps: o.reps,
    warmup_samples: o.warmupSamples,
    machine_cpus: os.availableParallelism(),
    load_avg_1m_before: round(extra.loadBefore, 2),
    load_avg_1m_after: round(extra.loadAfter, 2),
    node: process.version,
  };
}

/**
 * Where the wall time went: CPU seconds of the workers and the driver, and how busy the cluster's CPUs were
 * (worker CPU time over wall time × CPUs). Well below 1 means the job waited, or other work took the CPUs.
 */
function cpuFigures(reps: readonly RepResult[], cpus: number): BenchResult {
  const measured = reps.filter((r) => Number.isFinite(r.workerCpuS));
  if (measured.length === 0) return {};
  const med = (pick: (r: RepResult) => number) => summarize(measured.map(pick)).median;
  return {
    worker_cpu_s: round(med((r) => r.workerCpuS), 1),
    driver_cpu_s: round(med((r) => r.driverCpuS), 1),
    cluster_cpu_busy: round(med((r) => r.workerCpuS / (r.seconds * Math.max(1, cpus))), 2),
    worker_cpu_us_per_sample: round(med((r) => (r.workerCpuS * 1e6) / (r.samplesPerS * r.seconds)), 2),
    // A projection, not a measurement: the rate if the job's CPU cost per sample stayed the same and the
    // cluster's CPUs did nothing else (on a shared machine other work takes some of them).
    cpu_bound_samples_per_s: Math.round(med((r) => (Math.max(1, cpus) * r.samplesPerS * r.seconds) / r.workerCpuS)),
  };
}

/** The result with the figures `convoy plan` reads (`samples_per_s`, `workers`) at its top level. */
async function keepForPlan(file: string, result: BenchResult, setup: (m: string) => void): Promise<void> {
  try {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, `${JSON.stringify({ ...result, measuredAt: new Date().toISOString() }, null, 2)}\n`);
  } catch (err) {
    setup(`could not write ${file}: ${(err as Error).message}`);
  }
}

export function table(result: BenchResult): string {
  return [
    textTable([
      ['collect (synthetic → Parquet → local lake)', 'value'],
      ['samples/s, start to summary (median)', formatNumber(result.samples_per_s)],
      ["job's own rate (samples/s)", formatNumber(result.job_rate_samples_per_s)],
      ['samples/s per CPU', formatNumber(result.samples_per_s_per_cpu)],
      ['seconds', formatNumber(result.seconds)],
      ['worker CPU µs per sample', formatNumber(result.worker_cpu_us_per_sample)],
      ['cluster CPUs busy (worker CPU time / wall × CPUs)', formatNumber(result.cluster_cpu_busy)],
      ['projection: samples/s with the CPUs to itself', formatNumber(result.cpu_bound_samples_per_s)],
      ['runs (samples/s)', String(result.samples_per_s_runs)],
    ]),
    '',
    `target: ${result.target}`,
    `${formatNumber(result.samples)} samples, ${result.cities} cities × ${result.days} day(s), ${result.shards} shards of ${formatNumber(result.shard_samples)}; ` +
      `${result.lake_bytes_per_sample} bytes/sample in the lake`,
    `${result.cpus} cluster CPUs in ${result.worker_processes} worker processes on a ${result.machine_cpus}-CPU machine ` +
      `(load average ${result.load_avg_1m_before} before, ${result.load_avg_1m_after} after); warm-up ${formatNumber(result.warmup_samples)} samples untimed`,
  ].join('\n');
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await run(process.argv.slice(2));
  await writeStdout(renderResult(result, table(result)));
  process.exit(0);
}
