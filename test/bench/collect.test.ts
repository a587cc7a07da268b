// The collect bench: a tiny real collection on an embedded cluster, checked against the lake it wrote, with
// its result kept where `convoy plan` reads it.
import { readFileSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { describe, expect, it } from 'vitest';
import { run, table, type CollectBenchProgress } from '../../bench/collect.ts';
import { BenchOptionsError } from '../../bench/lib/options.ts';

describe('collect bench', () => {
  it('collects exactly the target into a lake and keeps samples_per_s and workers for convoy plan', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'convoy-collect-bench-test-'));
    const resultFile = path.join(dir, 'out', 'collect.json');
    const events: CollectBenchProgress[] = [];
    const args = ['--target', '60000', '--cities', '3', '--shard-samples', '10000', '--warmup-samples', '3000', '--workers', '2', '--cpus-per-worker', '1'];
    const r = await run([...args, '--dir', dir, '--keep', '--result-file', resultFile], (p) => events.push(p));

    expect(r).toMatchObject({ workers: 2, cpus: 2, worker_processes: 2, samples: 60_000, cities: 3, shards: 6, reps: 1 });
    expect(r.samples_per_s).toBeGreaterThan(0);
    expect(r.job_rate_samples_per_s).toBeGreaterThan(0);
    expect(r.target).toMatch(/^(met|MISSED) \(>= 1000000 samples\/s\)$/);
    // Where the time went, from /proc: the workers did the work.
    expect(r.worker_cpu_s).toBeGreaterThan(0);
    expect(r.cpu_bound_samples_per_s).toBeGreaterThan(0);

    // The kept lake holds exactly the target, as DuckDB reads it, over the three cities.
    const db = await DuckDBInstance.create(':memory:');
    const con = await db.connect();
    const rows = (await con.runAndReadAll(`SELECT count(*)::BIGINT, count(DISTINCT city)::BIGINT FROM read_parquet('${dir}/rep-1/**/*.parquet', hive_partitioning = true)`)).getRows();
    con.closeSync();
    expect(rows[0]!.map(Number)).toEqual([60_000, 3]);
    expect((await readdir(dir)).sort()).toEqual(['out', 'rep-1', 'warmup']);

    const kept = JSON.parse(readFileSync(resultFile, 'utf8')) as Record<string, unknown>;
    expect(kept).toMatchObject({ samples_per_s: r.samples_per_s, workers: 2 });
    expect(events.some((e) => e.kind === 'job' && e.label === 'rep 1/1' && e.progress.samples === 60_000)).toBe(true);
    expect(table(r)).toMatch(/60,000 samples, 3 cities × 1 day\(s\), 6 shards of 10,000/);
  }, 180_000);

  it('refuses a wrong option before starting a cluster', async () => {
    await expect(run(['--cities', '21'])).rejects.toBeInstanceOf(BenchOptionsError);
    await expect(run(['--target', 'many'])).rejects.toThrow(/--target/);
  });
});
