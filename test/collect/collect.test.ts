import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, CollectError, type CollectProgress } from '../../tasks/collect/index.ts';
import { openLake } from '../../tasks/lake/index.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import { startFakeServer, type FakeServer } from '../sources/helpers/fake-server.ts';
import { readFileSync } from 'node:fs';

const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
let t: TestCluster;
let fake: FakeServer;

beforeAll(async () => {
  fake = await startFakeServer();
  // Workers inherit the environment: the provider key reaches them the way a deployment would pass it.
  process.env.TOMTOM_API_KEY = 'sk-test-collect-0000';
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
  delete process.env.TOMTOM_API_KEY;
});

async function lakeRows(dir: string): Promise<number> {
  const lake = await openLake(dir, { threads: 0 });
  try {
    return (await lake.stats()).rows;
  } finally {
    await lake.close();
  }
}

async function duckdb(dir: string): Promise<{ n: number; speed: number; cities: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const r = await con.runAndReadAll(
    `SELECT count(*)::BIGINT AS n, sum(current_speed_kmh)::DOUBLE AS speed, count(DISTINCT city)::BIGINT AS cities FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`,
  );
  const [n, speed, cities] = r.getRows()[0]!;
  con.closeSync();
  return { n: Number(n), speed: Number(speed), cities: Number(cities) };
}

describe('the collection job', () => {
  it('collects exactly the target, and a second run of the same job adds nothing', async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-collect-')), 'lake');
    const opts = { source: 'synthetic' as const, cities: ['berlin', 'madrid'], from: '2026-03-02', to: '2026-03-04', target: 300_000, lake: dir, shardSamples: 40_000 };
    const seen: CollectProgress[] = [];
    const first = await collect(t.cluster, opts, { onProgress: (p) => seen.push(p) });
    expect(first.samples).toBe(300_000);
    expect(first.shardsDone).toBe(first.shardsTotal);
    expect(seen.at(-1)!.samples).toBe(300_000);
    expect(seen.some((p) => p.rate > 0)).toBe(true);
    const second = await collect(t.cluster, opts);
    expect(second.skipped).toBe(second.shardsTotal);
    // The job's rate is its samples over the wall time of the runs that collected them, not this run's
    // (which collected nothing): the first run's time is recorded beside the lake.
    expect(second.rate).toBeCloseTo(300_000 / first.elapsedS, 6);
    expect(first.rate).toBeCloseTo(300_000 / first.elapsedS, 6);
    expect(second.jobElapsedS).toBeCloseTo(first.elapsedS, 6);
    expect(second.run.samples).toBe(0);
    expect(await lakeRows(dir)).toBe(300_000);
    const db = await duckdb(dir);
    expect(db.n).toBe(300_000);
    expect(db.cities).toBe(2);
    // The lake's own reader and DuckDB agree on the sum too.
    const lake = await openLake(dir, { threads: 0 });
    let sum = 0;
    for await (const b of lake.scan({ columns: ['current_speed_kmh'] })) for (const v of b.getChild('current_speed_kmh')!) sum += v as number;
    await lake.close();
    expect(sum).toBeCloseTo(db.speed, 0);
  });

  it('ends with exactly the target after being killed mid-way and run again', { timeout: 300_000 }, async () => {
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-collect-kill-')), 'lake');
    const args = [CLI, 'collect', '--source', 'synthetic', '--cities', 'berlin,paris,rome', '--from', '2026-02-02', '--to', '2026-02-05', '--target', '900000', '--lake', dir, '--shard-samples', '50000', '--quiet', '--address', t.local.address];
    const env = { ...process.env, CONVOY_TOKEN: t.local.token };
    const child = spawn(process.execPath, args, { env, stdio: 'ignore' });
    const lakeNow = async () => {
      const l = await openLake(dir, { threads: 0 }).catch(() => undefined);
      if (!l) return 0;
      try {
        return (await l.committedShards()).length;
      } finally {
        await l.close();
      }
    };
    await eventually(async () => (await lakeNow()) >= 2, 120_000, 'some shards committed');
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));
    const partial = await lakeRows(dir);
    expect(partial).toBeLessThan(900_000);
    const rerun = spawn(process.execPath, [...args.filter((a) => a !== '--quiet'), '--json'], { env, stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    rerun.stdout!.on('data', (c) => (out += c));
    const code = await new Promise((r) => rerun.once('exit', r));
    expect(code).toBe(0);
    const summary = JSON.parse(out) as { samples: number; skipped: number };
    expect(summary.skipped).toBeGreaterThanOrEqual(2);
    expect(summary.samples).toBe(900_000);
    expect(await lakeRows(dir)).toBe(900_000);
    expect((await duckdb(dir)).n).toBe(900_000);
  });

  it('collects from a provider API, counting requests and cost, and making up for a malformed answer', async () => {
    const body = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/providers/tomtom-flow-segment.json'), 'utf8'));
    let n = 0;
    fake.script(() => {
      n++;
      if (n === 3) return { status: 200, body: { flowSegmentData: { currentSpeed: 'fast' } } };
      return { status: 200, body };
    });
    const dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'convoy-collect-api-')), 'lake');
    const ledgerPath = path.join(path.dirname(dir), 'ledger.sqlite');
    const summary = await collect(t.cluster, {
      source: 'tomtom',
      cities: ['berlin'],
      from: '2026-03-02',
      to: '2026-03-03',
      target: 20,
      lake: dir,
      shardSamples: 10,
      provider: { baseUrl: fake.url, ledgerPath },
    });
    // The malformed answer is made up for by one more request: each shard still commits exactly its samples.
    expect(summary.apiRequests).toBe(21);
    expect(summary.failedRequests).toBe(1);
    expect(summary.recoveredFailures).toEqual([expect.objectContaining({ kind: 'malformed', requests: 1 })]);
    expect(summary.samples).toBe(20);
    expect(await lakeRows(dir)).toBe(20);
    expect(fake.requests.every((r) => r.url.includes('/traffic/services/4/flowSegmentData/'))).toBe(true);
  });

  it('rejects a bad request before starting: unknown city, source or range', async () => {
    const base = { source: 'synthetic' as const, cities: ['berlin'], from: '2026-03-02', to: '2026-03-03', target: 10, lake: '/tmp/unused' };
    await expect(collect(t.cluster, { ...base, cities: ['atlantis'] })).rejects.toThrow(/atlantis/);
    await expect(collect(t.cluster, { ...base, source: 'waze' as never })).rejects.toThrow(/source/);
    await expect(collect(t.cluster, { ...base, to: '2026-03-01' })).rejects.toThrow(/after/);
    expect(CollectError).toBeDefined();
  });
});
