// A provider collection that fails must not leave its shards marked done: a refused key, a missing key or a
// provider that stops answering half-way each fail the job with one line per cause, commit nothing of the
// shards they hit, and running the same job again (or the same command) collects exactly the target.
import { spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collect, CollectError } from '../../tasks/collect/index.ts';
import { openLake } from '../../tasks/lake/index.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';
import { startFakeServer, type FakeServer } from '../sources/helpers/fake-server.ts';

const CLI = path.resolve(import.meta.dirname, '../../bin/convoy.mjs');
const BODY = JSON.parse(readFileSync(path.resolve(import.meta.dirname, '../fixtures/providers/tomtom-flow-segment.json'), 'utf8')) as unknown;
const REFUSED = { status: 403, body: '<h1>Developer Inactive</h1>' };

let t: TestCluster;
let fake: FakeServer;
const home = process.env.HOME;

beforeAll(async () => {
  fake = await startFakeServer();
  // The workers' quota ledger lives under their home folder: a fresh one per run, not the user's.
  process.env.HOME = await mkdtemp(path.join(os.tmpdir(), 'convoy-failures-home-'));
  // The workers inherit the environment: a TomTom key, and no HERE key.
  process.env.TOMTOM_API_KEY = 'sk-test-failures-0000';
  delete process.env.HERE_API_KEY;
  t = await startTestCluster({ workers: 1, cpusPerWorker: 2 });
});
afterAll(async () => {
  await t?.stop();
  await fake?.close();
  delete process.env.TOMTOM_API_KEY;
  process.env.HOME = home;
});

async function fresh(name: string) {
  const dir = await mkdtemp(path.join(os.tmpdir(), `convoy-${name}-`));
  return { lake: path.join(dir, 'lake'), ledgerPath: path.join(dir, 'ledger.sqlite') };
}

async function committed(dir: string): Promise<{ shards: number; rows: number }> {
  const lake = await openLake(dir, { threads: 0 });
  try {
    const shards = (await lake.committedShards()).filter((s) => s.published);
    return { shards: shards.length, rows: shards.reduce((n, s) => n + s.rows, 0) };
  } finally {
    await lake.close();
  }
}

function failureOf(p: Promise<unknown>): Promise<CollectError> {
  return p.then(
    () => expect.fail('the collection should have failed'),
    (e: unknown) => {
      expect(e).toBeInstanceOf(CollectError);
      return e as CollectError;
    },
  );
}

const job = (where: { lake: string; ledgerPath: string }, more: Record<string, unknown> = {}) => ({
  source: 'tomtom' as const,
  cities: ['berlin'],
  from: '2026-01-01',
  to: '2026-01-02',
  target: 10,
  lake: where.lake,
  provider: { baseUrl: fake.url, ledgerPath: where.ledgerPath },
  ...more,
});

describe('a provider collection that fails', () => {
  it('commits nothing when the provider refuses the key, says why, and a rerun collects exactly the target', async () => {
    const where = await fresh('refused');
    fake.script(REFUSED);
    const err = await failureOf(collect(t.cluster, job(where)));
    expect(err.summary.shardsDone).toBe(0);
    expect(err.summary.samples).toBe(0);
    expect(err.summary.failedRequests).toBe(10);
    expect(err.summary.failedShards).toHaveLength(1);
    expect(err.lines[0]).toBe('10 requests refused by tomtom (HTTP 403: key not authorised): check TOMTOM_API_KEY');
    expect(err.lines.at(-1)).toMatch(/collected 0 of 10 samples \(0 of 1 shards\).*run the same command again to finish/);
    expect(await committed(where.lake)).toEqual({ shards: 0, rows: 0 });

    fake.script({ status: 200, body: BODY });
    const rerun = await collect(t.cluster, job(where));
    expect(rerun.skipped).toBe(0);
    expect(rerun.samples).toBe(10);
    expect(await committed(where.lake)).toEqual({ shards: 1, rows: 10 });
  });

  it('keeps the shards that finished when the provider stops half-way, and the rerun adds only the rest', async () => {
    const where = await fresh('halfway');
    let n = 0;
    // Shards run one at a time (no tomtom_key resource): the first shard's 10 requests succeed, then the key is refused.
    fake.script(() => (++n <= 10 ? { status: 200, body: BODY } : REFUSED));
    const twoShards = job(where, { target: 20, shardSamples: 10 });
    const err = await failureOf(collect(t.cluster, twoShards));
    expect(err.summary.shardsDone).toBe(1);
    expect(err.summary.samples).toBe(10);
    expect(err.summary.stoppedBy).toMatch(/refused by tomtom \(HTTP 403/);
    expect(err.lines.at(-1)).toMatch(/collected 10 of 20 samples \(1 of 2 shards\).*fix the cause above, then run the same command again/);
    expect(await committed(where.lake)).toEqual({ shards: 1, rows: 10 });

    fake.script({ status: 200, body: BODY });
    const rerun = await collect(t.cluster, twoShards);
    expect(rerun.skipped).toBe(1);
    expect(rerun.samples).toBe(20);
    expect(fake.requests).toHaveLength(10);
    expect(await committed(where.lake)).toEqual({ shards: 2, rows: 20 });
  });

  it('stops when the key has used the quota it may spend, and says when it reopens and how to raise it', async () => {
    const where = await fresh('quota');
    fake.script({ status: 200, body: BODY });
    const err = await failureOf(collect(t.cluster, job(where, { provider: { baseUrl: fake.url, ledgerPath: where.ledgerPath, quota: { perDay: 4 } } })));
    expect(fake.requests).toHaveLength(4);
    expect(err.summary.shardsDone).toBe(0);
    expect(err.lines[0]).toMatch(/^tomtom key [0-9a-f]{12} has used its daily quota; it reopens at \S+Z\. Add another key, raise the quota if your plan allows more \(convoy collect --quota N\/day or N\/month\)/);
    expect(await committed(where.lake)).toEqual({ shards: 0, rows: 0 });
  });

  it('stops at the first shard when the workers have no key, naming the variable to set', async () => {
    const where = await fresh('nokey');
    fake.script({ status: 200, body: {} });
    const err = await failureOf(collect(t.cluster, job(where, { source: 'here', cities: ['berlin', 'madrid'], target: 2000, shardSamples: 1000 })));
    expect(err.summary.shardsDone).toBe(0);
    expect(err.summary.shardsNotRun).toBe(1);
    expect(err.lines[0]).toMatch(/^no here API key: set HERE_API_KEY \(export HERE_API_KEY=YOUR_KEY/);
    expect(fake.requests).toHaveLength(0);
    expect(await committed(where.lake)).toEqual({ shards: 0, rows: 0 });
  });

  it('convoy collect exits non-zero with one line per cause, and the same command finishes the job', { timeout: 120_000 }, async () => {
    const where = await fresh('cli');
    const args = [CLI, 'collect', '--source', 'tomtom', '--cities', 'berlin', '--from', '2026-01-01', '--to', '2026-01-02', '--target', '10'];
    args.push('--lake', where.lake, '--base-url', fake.url, '--address', t.local.address, '--quiet', '--json');
    const convoy = (): Promise<{ code: number | null; stdout: string; stderr: string }> =>
      new Promise((resolve) => {
        const child = spawn(process.execPath, args, { env: { ...process.env, CONVOY_TOKEN: t.local.token }, stdio: ['ignore', 'pipe', 'pipe'] });
        let stdout = '';
        let stderr = '';
        child.stdout!.on('data', (c) => (stdout += c));
        child.stderr!.on('data', (c) => (stderr += c));
        child.once('exit', (code) => resolve({ code, stdout, stderr }));
      });
    fake.script(REFUSED);
    const failed = await convoy();
    expect(failed.code).toBe(1);
    const lines = failed.stderr.trim().split('\n');
    expect(lines).toEqual([
      'convoy: 10 requests refused by tomtom (HTTP 403: key not authorised): check TOMTOM_API_KEY',
      expect.stringMatching(/^convoy: collected 0 of 10 samples \(0 of 1 shards\); .*run the same command again to finish/),
    ]);
    expect(JSON.parse(failed.stdout)).toMatchObject({ samples: 0, shardsDone: 0, failedRequests: 10 });

    fake.script({ status: 200, body: BODY });
    const done = await convoy();
    expect(done.code).toBe(0);
    expect(JSON.parse(done.stdout)).toMatchObject({ samples: 10, shardsDone: 1, skipped: 0 });
    expect(await committed(where.lake)).toEqual({ shards: 1, rows: 10 });
  });
});
