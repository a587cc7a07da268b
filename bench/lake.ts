/**
 * Lake write and read throughput on a table in the canonical schema, with DuckDB side by side in the same run.
 *
 *   npx tsx bench/lake.ts [--rows 10000000] [--threads 2] [--duckdb-threads 2] [--days 5] [--cities 20] [--repeat 2] [--dir /tmp/x] [--keep]
 *
 * - write: `lake.writeShard` for one shard per day (all cities), from Arrow batches already in memory, into a
 *   local lake (Snappy): partition split, Arrow → IPC, Parquet encode in the codec threads, staged put, commit,
 *   publish. `write_rows_per_s` = rows / wall time. The codec threads are started before timing (`lake.ready()`),
 *   as they are in a long-running worker; DuckDB's instance is likewise created before its timings.
 * - read: `lake.scan()` of every column into Arrow record batches (decode in the codec threads, partition column
 *   rebuilt), summing one column so the data is touched. `read_rows_per_s` = rows / wall time. The same scan
 *   with `reuseBuffers: true` (memory recycled between files, for single-pass consumers) is `read_reuse_rows_per_s`.
 * - DuckDB (peer): loads the same rows from our lake into a table, then times `COPY t TO 'x.parquet' (FORMAT
 *   parquet, COMPRESSION snappy)` and a scan of that file that decodes every column
 *   (`SELECT max(c1), …, max(cN)`; DuckDB skips columns a query does not use, so `count(*)` would not decode).
 *   A read that materialises the file into a table is reported as `duckdb_read_materialize_rows_per_s`.
 * - `*_cpu_s`: CPU seconds of this process (all threads, DuckDB's included) during each step. On a shared
 *   machine wall times swing with other load; rows per CPU second compare the two engines' work regardless.
 * Every step runs `--repeat` times (default 2: the first decode also pays JIT and WebAssembly tier-up) and the
 * best wall time counts, with the CPU time of that run.
 * Counts and a column sum are checked against DuckDB, so a fast but wrong lake fails the bench.
 */
import { DuckDBInstance } from '@duckdb/node-api';
import type { RecordBatch } from 'apache-arrow';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { openLake } from '../tasks/lake/index.ts';
import { formatNumber, textTable } from './lib/report.ts';
import { sampleSchema } from '../tasks/traffic/schema.ts';
import { DEFAULT_START_MS, sampleBatch } from '../test/lake/samples.ts';

const CITIES = ['berlin', 'paris', 'london', 'madrid', 'rome', 'vienna', 'warsaw', 'oslo', 'stockholm', 'amsterdam', 'new_york', 'chicago', 'los_angeles', 'toronto', 'mexico_city', 'sao_paulo', 'tokyo', 'seoul', 'mumbai', 'sydney'];

function option(args: string[], name: string): string | undefined {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : undefined;
}

interface Timing {
  seconds: number;
  cpuSeconds: number;
}

// A full collection before each timed step, so that one step's garbage (1 GB of input batches after the
// write) is not collected on the next step's clock.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

/** Runs `step` `repeat` times; the fastest wall time and its CPU time count. */
async function best(repeat: number, step: (attempt: number) => Promise<void>): Promise<Timing> {
  let result: Timing = { seconds: Infinity, cpuSeconds: Infinity };
  for (let attempt = 0; attempt < repeat; attempt++) {
    collectGarbage();
    const cpu = process.cpuUsage();
    const started = performance.now();
    await step(attempt);
    const seconds = (performance.now() - started) / 1000;
    const used = process.cpuUsage(cpu);
    if (seconds < result.seconds) result = { seconds, cpuSeconds: (used.user + used.system) / 1e6 };
  }
  return result;
}

export async function run(args: string[]): Promise<Record<string, number | string>> {
  const rows = Number(option(args, 'rows') ?? 10_000_000);
  const threads = Number(option(args, 'threads') ?? availableParallelism());
  const duckdbThreads = Number(option(args, 'duckdb-threads') ?? threads);
  const days = Number(option(args, 'days') ?? 5);
  const cityCount = Math.min(CITIES.length, Number(option(args, 'cities') ?? 20));
  const repeat = Math.max(1, Number(option(args, 'repeat') ?? 2));
  const keep = args.includes('--keep');
  const dir = option(args, 'dir') ?? (await mkdtemp(join(tmpdir(), 'convoy-bench-lake-')));
  const cities = CITIES.slice(0, cityCount);
  const perPartition = Math.floor(rows / (days * cityCount));
  const total = perPartition * days * cityCount;
  const loadBefore = loadavg()[0]!;

  // Input: one batch per (day, city), like a source that collects one city for one day.
  const shards: RecordBatch[][] = [];
  for (let d = 0; d < days; d++) {
    const batches: RecordBatch[] = [];
    for (let c = 0; c < cityCount; c++) {
      const segments = 2000;
      const stepMs = Math.max(1, Math.floor((86_400_000 * segments) / perPartition));
      batches.push(sampleBatch({ rows: perPartition, cities: [cities[c]!], startMs: DEFAULT_START_MS + d * 86_400_000, stepMs, segments, seed: d * 100 + c + 1, nullEvery: 50 }));
    }
    shards.push(batches);
  }

  const lakeDir = (attempt: number) => join(dir, `lake-${attempt}`);
  // Codec threads are started before timing, as in a long-running worker; lakes of a process share them.
  const keeper = await openLake(join(dir, 'keeper'), { threads });
  await keeper.ready();
  const write = await best(repeat, async (attempt) => {
    const lake = await openLake(lakeDir(attempt), { threads });
    for (let d = 0; d < days; d++) await lake.writeShard(`bench-day-${d}`, shards[d]!);
    await lake.close();
  });
  shards.length = 0;

  const lake = await openLake(lakeDir(0), { threads });
  let readRows = 0;
  let readSum = 0;
  const scanAll = async (reuseBuffers: boolean) => {
    readRows = 0;
    readSum = 0;
    for await (const batch of lake.scan({ reuseBuffers })) {
      readRows += batch.numRows;
      for (const data of batch.getChild('current_speed_kmh')!.data) {
        const speeds = data.values as Float32Array;
        for (let i = 0; i < speeds.length; i++) readSum += speeds[i]!;
      }
    }
  };
  const read = await best(repeat, () => scanAll(false));
  const readReuse = await best(repeat, () => scanAll(true));
  const lakeBytes = (await lake.stats()).bytes;
  await lake.close();
  await keeper.close();

  const duck = await DuckDBInstance.create(':memory:', { threads: String(duckdbThreads) });
  const connection = await duck.connect();
  const glob = join(lakeDir(0), '**', '*.parquet').replaceAll("'", "''");
  await connection.run(`CREATE TABLE t AS SELECT * EXCLUDE (date) FROM read_parquet('${glob}', hive_partitioning = true)`);
  const check = (await connection.runAndReadAll('SELECT count(*)::BIGINT, sum(current_speed_kmh)::DOUBLE FROM t')).getRows()[0]!;
  if (Number(check[0]) !== total || readRows !== total) throw new Error(`row counts differ: wrote ${total}, lake read ${readRows}, DuckDB read ${check[0]}`);
  if (Math.abs(Number(check[1]) - readSum) > 1e-6 * Math.abs(readSum)) throw new Error(`current_speed_kmh sums differ: lake ${readSum}, DuckDB ${check[1]}`);
  const duckFile = join(dir, 'duckdb.parquet').replaceAll("'", "''");
  const duckWrite = await best(repeat, () => connection.run(`COPY t TO '${duckFile}' (FORMAT parquet, COMPRESSION snappy)`).then(() => {}));
  const columns = sampleSchema.names.map((c) => `max("${String(c)}")`).join(', ');
  const duckRead = await best(repeat, () => connection.runAndReadAll(`SELECT ${columns} FROM read_parquet('${duckFile}')`).then(() => {}));
  const duckMaterialize = await best(repeat, () => connection.run(`CREATE OR REPLACE TABLE m AS SELECT * FROM read_parquet('${duckFile}')`).then(() => {}));
  const duckBytes = (await stat(join(dir, 'duckdb.parquet'))).size;
  connection.closeSync();
  duck.closeSync();
  if (!keep) await rm(dir, { recursive: true, force: true });

  const perSecond = (t: Timing) => Math.round(total / t.seconds);
  const perCpuSecond = (t: Timing) => Math.round(total / t.cpuSeconds);
  return {
    rows: total,
    threads,
    duckdb_threads: duckdbThreads,
    partitions: days * cityCount,
    repeat,
    write_rows_per_s: perSecond(write),
    read_rows_per_s: perSecond(read),
    read_reuse_rows_per_s: perSecond(readReuse),
    duckdb_write_rows_per_s: perSecond(duckWrite),
    duckdb_read_rows_per_s: perSecond(duckRead),
    duckdb_read_materialize_rows_per_s: perSecond(duckMaterialize),
    write_ratio: round(duckWrite.seconds / write.seconds),
    read_ratio: round(duckRead.seconds / read.seconds),
    read_reuse_ratio: round(duckRead.seconds / readReuse.seconds),
    write_cpu_s: round(write.cpuSeconds),
    read_cpu_s: round(read.cpuSeconds),
    duckdb_write_cpu_s: round(duckWrite.cpuSeconds),
    duckdb_read_cpu_s: round(duckRead.cpuSeconds),
    write_rows_per_cpu_s: perCpuSecond(write),
    read_rows_per_cpu_s: perCpuSecond(read),
    duckdb_write_rows_per_cpu_s: perCpuSecond(duckWrite),
    duckdb_read_rows_per_cpu_s: perCpuSecond(duckRead),
    lake_bytes: lakeBytes,
    duckdb_bytes: duckBytes,
    load_avg_1m_before: round(loadBefore),
  };
}

const round = (x: number) => Math.round(x * 1000) / 1000;

/** Lake next to DuckDB, per operation: wall-clock rates, their ratio, and rates per CPU second. */
export function table(result: Record<string, number | string>): string {
  const n = (key: string) => formatNumber(result[key]);
  return textTable([
    ['operation', 'lake rows/s', 'duckdb rows/s', 'lake/duckdb', 'lake rows/cpu-s', 'duckdb rows/cpu-s'],
    ['write (Snappy)', n('write_rows_per_s'), n('duckdb_write_rows_per_s'), `${n('write_ratio')}x`, n('write_rows_per_cpu_s'), n('duckdb_write_rows_per_cpu_s')],
    ['read, all columns', n('read_rows_per_s'), n('duckdb_read_rows_per_s'), `${n('read_ratio')}x`, n('read_rows_per_cpu_s'), n('duckdb_read_rows_per_cpu_s')],
    ['read, reuseBuffers', n('read_reuse_rows_per_s'), n('duckdb_read_rows_per_s'), `${n('read_reuse_ratio')}x`, '', ''],
  ]) + `\n\n${result.rows} rows in ${result.partitions} partitions, ${result.threads} codec threads, DuckDB on ${result.duckdb_threads} threads, best of ${result.repeat}, load average ${result.load_avg_1m_before} before the run`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const result = await run(process.argv.slice(2));
  console.log(JSON.stringify(result));
  console.log(table(result));
}
