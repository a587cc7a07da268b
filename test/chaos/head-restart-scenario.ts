/**
 * The chaos run: a synthetic collection of 2,000,000 samples and a small grid search, both submitted
 * as jobs to a head and three workers (real processes on loopback), while a random worker is SIGKILLed every
 * few seconds (and replaced) and the head is SIGKILLed once and restarted on its control store. The collection
 * finishes with exactly 2,000,000 samples in the lake and no duplicate sample key, every trial reports, and
 * both jobs are listed with their logs by the restarted head.
 *
 * head-restart.test.ts runs it on the default store (SQLite in the session folder), head-restart-redis.test.ts
 * on a real redis-server.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterEach, expect, it } from 'vitest';
import { startLocalCluster, type LocalCluster } from '../../cluster/client/embedded.ts';
import type { HistoryReport, JobInfo, TuneRunSummary } from '../../cluster/api/head-api.ts';
import { tsxLoaderUrl } from '../internal.ts';
import { eventually } from '../helpers/cluster.ts';

const CLI = fileURLToPath(new URL('../../bin/convoy.mjs', import.meta.url));
const TUNE_DRIVER = fileURLToPath(new URL('./fixtures/chaos-tune-driver.ts', import.meta.url));
const SAMPLES = 2_000_000;

let local: LocalCluster | undefined;
let scratch: string | undefined;
afterEach(async () => {
  await local?.stop();
  local = undefined;
  // The lake and the tune checkpoints: about 95 MB a run.
  if (scratch) await rm(scratch, { recursive: true, force: true });
  scratch = undefined;
});

/** The head's HTTP API, answering undefined while the head is down (it is, for a moment, on purpose). */
async function api<T>(c: LocalCluster, route: string, init: RequestInit = {}): Promise<T | undefined> {
  try {
    const res = await fetch(`http://${c.httpAddress}${route}`, {
      ...init,
      headers: { authorization: `Bearer ${c.token}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
      signal: AbortSignal.timeout(10_000),
    });
    if (!res.ok) throw new Error(`${route}: ${res.status} ${await res.text()}`);
    return (await res.json()) as T;
  } catch (err) {
    if (err instanceof Error && /fetch failed|aborted|timeout/i.test(err.message)) return undefined;
    throw err;
  }
}

async function submit(c: LocalCluster, submissionId: string, entrypoint: string[]): Promise<JobInfo> {
  const job = await api<JobInfo>(c, '/api/jobs', { method: 'POST', body: JSON.stringify({ entrypoint, submissionId }) });
  if (!job) throw new Error(`the head did not answer the submission of ${submissionId}`);
  return job;
}

async function lakeCounts(dir: string): Promise<{ rows: number; keys: number }> {
  const db = await DuckDBInstance.create(':memory:');
  const con = await db.connect();
  const r = await con.runAndReadAll(
    `SELECT count(*)::BIGINT, count(DISTINCT (city, segment_id, "timestamp"))::BIGINT FROM read_parquet('${dir}/**/*.parquet', hive_partitioning = true)`,
  );
  const [rows, keys] = r.getRows()[0]!;
  con.closeSync();
  return { rows: Number(rows), keys: Number(keys) };
}

/** `store`: the head's store spec, read when the test runs (a Redis URL is known only after its server starts). */
export function headRestartChaos(store: () => string | undefined): void {
  it(`collects exactly ${SAMPLES.toLocaleString('en')} samples and finishes a grid search through worker kills and a head restart`, async () => {
    local = await startLocalCluster({ workers: 3, cpusPerWorker: 1, heartbeatTimeoutMs: 4000, startTimeoutMs: 120_000, ...(store() ? { store: store() } : {}) });
    const c = local;
    scratch = await mkdtemp(path.join(os.tmpdir(), 'convoy-chaos-'));
    const lake = path.join(scratch, 'lake');
    // Small shards: many tasks, so kills land mid-shard and the run lasts long enough to restart the head in.
    await submit(c, 'chaos-collect', [
      process.execPath, CLI, 'collect', '--source', 'synthetic', '--cities', 'all', '--from', '2026-01-05', '--to', '2026-01-12',
      '--target', String(SAMPLES), '--shard-samples', '4000', '--lake', lake, '--json', '--quiet',
    ]);
    await submit(c, 'chaos-tune', [process.execPath, '--import', tsxLoaderUrl(), TUNE_DRIVER, path.join(scratch, 'tune')]);

    const jobs = async () => (await api<JobInfo[]>(c, '/api/jobs')) ?? [];
    const finished = (list: JobInfo[]) => list.length === 2 && list.every((j) => !['PENDING', 'RUNNING'].includes(j.status));
    let headRestarted = false;
    let workerKills = 0;
    const started = Date.now();
    for (;;) {
      const list = await jobs();
      if (finished(list)) break;
      if (Date.now() - started > 480_000) throw new Error(`the jobs did not finish: ${JSON.stringify(list.map((j) => [j.jobId, j.status]))}`);
      // CHAOS_HEAD_KILL_MS moves the kill: 2500 lands it while the drivers are still starting (as on fast CI).
      if (!headRestarted && Date.now() - started > Number(process.env.CHAOS_HEAD_KILL_MS ?? 8000)) {
        // Once, mid-run: no warning, no clean stop; a new head process on the same store, port and token.
        c.head.child.kill('SIGKILL');
        await c.restartHead();
        headRestarted = true;
        continue;
      }
      const victim = c.workers[Math.floor(Math.random() * c.workers.length)];
      if (victim && victim.child.exitCode === null && victim.child.signalCode === null) {
        victim.child.kill('SIGKILL');
        workerKills++;
        await c.addWorker({ numCpus: 1 });
      }
      await new Promise((r) => setTimeout(r, 3000));
    }
    expect(headRestarted).toBe(true);
    expect(workerKills).toBeGreaterThan(0);

    const list = await jobs();
    const logOf = async (jobId: string) => (await fetch(`http://${c.httpAddress}/api/jobs/${jobId}/logs`, { headers: { authorization: `Bearer ${c.token}` } })).text();
    for (const j of list.filter((j) => j.status !== 'SUCCEEDED')) {
      // The job's own words are what tells a failure apart; the status alone does not.
      console.error(`${j.jobId} ${j.status}: ${j.message ?? ''}\n${(await logOf(j.jobId)).slice(-4000)}`);
    }
    expect(list.map((j) => [j.jobId, j.status]).sort()).toEqual([
      ['chaos-collect', 'SUCCEEDED'],
      ['chaos-tune', 'SUCCEEDED'],
    ]);
    const collectLog = await logOf('chaos-collect');
    expect(collectLog).toContain(`"samples": ${SAMPLES}`);
    const tuneLog = await logOf('chaos-tune');
    expect(tuneLog).toMatch(/best: \{/);
    expect(tuneLog.match(/^trial trial_\d+ terminated iterations=6$/gm)).toHaveLength(6);

    expect(await lakeCounts(lake)).toEqual({ rows: SAMPLES, keys: SAMPLES });

    let run: TuneRunSummary | undefined;
    await eventually(async () => (run = await api<TuneRunSummary>(c, '/api/tune-runs/chaos-grid'))?.status === 'finished', 20_000, 'the tune run in the history');
    expect(run!.trials).toHaveLength(6);
    expect(run!.trials.every((t) => t.status === 'terminated' && t.iterations === 6)).toBe(true);
    const history = (await api<HistoryReport>(c, '/api/history'))!;
    expect(history.taskSummaries.map((s) => s.jobId)).toEqual(expect.arrayContaining(['chaos-collect', 'chaos-tune']));
  }, 600_000);
}

