/**
 * DataParallelTrainer on a real cluster (a head and two worker processes on loopback, each rank an actor in a
 * process of its own): 2 and 4 ranks end with the weights of one process trained on the same global batches;
 * a rank SIGKILLed mid-run is replaced and the run resumes from rank 0's checkpoint to the same step count; an
 * elastic run continues with fewer ranks when a worker is lost and grows back when one returns.
 */
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '../../tasks/lake/index.ts';
import { DataParallelTrainer, TrainingFailedError, trainModel, type AttemptInfo } from '../../tasks/training/index.ts';
import { runConvoy } from '../helpers/cli.ts';
import { startTestCluster, eventually, type TestCluster } from '../helpers/cluster.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';

const ROWS_PER_FILE = 256;
// 2 days × 8 segments × 288 slots of one city, 256 rows per shard: 18 files of exactly one batch each.
const FILES = 18;
let folder: string;
let lakeUrl: string;
let t: TestCluster;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'convoy-dp-'));
  lakeUrl = join(folder, 'lake');
  const lake = await openLake(lakeUrl, { threads: 0 });
  let shard = 0;
  for (const batch of syntheticTraffic({ days: 2, segmentsPerCity: 8, cities: ['oslo'], batchRows: ROWS_PER_FILE, seed: 4 })) {
    await lake.writeShard(`s-${String(shard++).padStart(3, '0')}`, batch);
  }
  expect((await lake.stats()).files).toBe(FILES);
  await lake.close();
  t = await startTestCluster({ workers: 2, cpusPerWorker: 2 });
}, 120_000);
afterAll(async () => {
  await t?.stop();
  await rm(folder, { recursive: true, force: true });
});

const model = { kind: 'mlp' as const, hidden: [16] };
const common = { model, learningRate: 1e-2, shuffleBufferRows: 0, seed: 3, backends: ['wasm' as const] };

describe('DataParallelTrainer', () => {
  it.each([2, 4])('%i ranks end with the weights of one process trained on the same global batches', async (ranks) => {
    // One process, global batch = every rank's batch of the step: with no shuffling, rank r's step-s batch is
    // file s·ranks + r (each rank reads every ranks-th file), so the global batch is files s·ranks … s·ranks+ranks−1.
    const lake = await openLake(lakeUrl, { threads: 0 });
    const single = await trainModel({ ...common, epochs: 2, batchSize: ROWS_PER_FILE * ranks, data: () => lake.scan() });
    await lake.close();

    const trainer = new DataParallelTrainer(t.cluster, {
      numWorkers: ranks,
      resourcesPerWorker: { cpu: 1 },
      lake: lakeUrl,
      name: `equal-${ranks}`,
      // The same normaliser for both (ranks would otherwise average their slices' statistics).
      normalizer: single.artifacts.normalizer,
      train: { ...common, epochs: 2, batchSize: ROWS_PER_FILE },
    });
    const result = await trainer.fit();
    expect(result.worldSize).toBe(ranks);
    expect(result.failures).toBe(0);
    expect(result.steps).toBe(single.steps);
    expect(result.steps).toBe(2 * Math.ceil(FILES / ranks));
    expect(result.rowsSeen).toBe(single.rowsSeen);
    for (const [name, w] of single.artifacts.weights) {
      const got = result.artifacts.weights.get(name)!.data;
      let worst = 0;
      for (let i = 0; i < w.data.length; i++) worst = Math.max(worst, Math.abs(got[i]! - w.data[i]!) / (1e-3 + Math.abs(w.data[i]!)));
      expect(worst, `${name}: worst relative difference`).toBeLessThan(1e-3);
    }
    // Placed in a group of `ranks` bundles on the two workers: 4 ranks take both nodes.
    const nodes = new Set(result.attempts[0]!.ranks.map((r) => r.nodeId));
    expect(nodes.size).toBe(ranks === 4 ? 2 : nodes.size);
  }, 240_000);

  it('a rank SIGKILLed mid-run is replaced and the run resumes from the checkpoint to the same step count', async () => {
    const attempts: AttemptInfo[] = [];
    const epochs = 40;
    const trainer = new DataParallelTrainer(
      t.cluster,
      {
        numWorkers: 2,
        lake: lakeUrl,
        name: 'killed',
        maxFailures: 1,
        checkpoint: { everySteps: 3 },
        train: { ...common, epochs, batchSize: ROWS_PER_FILE },
      },
      { onAttempt: (a) => attempts.push(a) },
    );
    const fit = trainer.fit();
    // Once rank 0 has written a checkpoint, kill rank 1's process.
    const latest = join(trainer.checkpointUrl, 'checkpoint', 'latest.json');
    await eventually(async () => attempts.length > 0 && (await stat(latest).then(() => true, () => false)), 120_000, 'a first checkpoint');
    process.kill(attempts[0]!.ranks[1]!.pid, 'SIGKILL');
    const result = await fit;
    expect(result.failures).toBe(1);
    expect(result.attempts.map((a) => a.worldSize)).toEqual([2, 2]);
    expect(result.attempts[1]!.reason).toMatch(/rank|actor|died|connection/i);
    expect(result.resumedFromStep).toBeGreaterThan(0);
    expect(result.steps).toBe(epochs * (FILES / 2));
    expect(result.epochsCompleted).toBe(epochs);
  }, 240_000);

  it('fails with TrainingFailedError naming the checkpoints when failures exceed maxFailures', async () => {
    const attempts: AttemptInfo[] = [];
    const trainer = new DataParallelTrainer(
      t.cluster,
      { numWorkers: 2, lake: lakeUrl, name: 'gives-up', maxFailures: 0, checkpoint: { everySteps: 3 }, train: { ...common, epochs: 40, batchSize: ROWS_PER_FILE } },
      { onAttempt: (a) => attempts.push(a) },
    );
    const fit = trainer.fit().then(() => undefined, (e: unknown) => e);
    await eventually(() => attempts.length > 0, 120_000, 'the ranks to start');
    process.kill(attempts[0]!.ranks[0]!.pid, 'SIGKILL');
    const err = await fit;
    expect(err).toBeInstanceOf(TrainingFailedError);
    expect((err as Error).message).toContain(trainer.checkpointUrl);
    expect((err as Error).message).toMatch(/run it again with the same name to resume/);
  }, 240_000);

  it('refuses bad options at construction, naming the field', () => {
    expect(() => new DataParallelTrainer(t.cluster, { numWorkers: 0, lake: lakeUrl })).toThrow(/numWorkers/);
    expect(() => new DataParallelTrainer(t.cluster, { numWorkers: [3, 2], lake: lakeUrl })).toThrow(/min ≤ max/);
    expect(() => new DataParallelTrainer(t.cluster, { numWorkers: 2, lake: lakeUrl, train: { batchSize: -1 } })).toThrow(/batchSize/);
    expect(() => new DataParallelTrainer(t.cluster, { numWorkers: 2, lake: lakeUrl, train: { model: { kind: 'linear' } } })).toThrow(/closed form/);
  });
});


describe('DataParallelTrainer, elastic', () => {
  it('continues with fewer ranks when a worker is lost and grows back when one returns', async () => {
    const attempts: AttemptInfo[] = [];
    const stop = new AbortController();
    const trainer = new DataParallelTrainer(
      t.cluster,
      {
        numWorkers: [1, 2],
        // A whole node each: two ranks need both workers.
        resourcesPerWorker: { cpu: 2 },
        lake: lakeUrl,
        name: 'elastic',
        maxFailures: 2,
        elasticProbeMs: 1_000,
        growCheckEveryMs: 500,
        checkpoint: { everySteps: 3 },
        train: { ...common, epochs: 100_000, batchSize: ROWS_PER_FILE },
      },
      { onAttempt: (a) => attempts.push(a) },
    );
    const fit = trainer.fit({ signal: stop.signal }).then(() => undefined, (e: unknown) => e);
    const latest = join(trainer.checkpointUrl, 'checkpoint', 'latest.json');
    await eventually(async () => attempts.length === 1 && (await stat(latest).then(() => true, () => false)), 120_000, 'two ranks training');
    expect(attempts[0]!.worldSize).toBe(2);
    // Lose the worker under rank 1: the run goes on with one rank.
    const lost = attempts[0]!.ranks[1]!.nodeId;
    const worker = t.local.workers.find((w) => w.nodeId === lost) ?? t.local.workers[1]!;
    process.kill(worker.pid, 'SIGKILL');
    await eventually(() => attempts.length === 2, 120_000, 'a smaller group');
    expect(attempts[1]!.worldSize).toBe(1);
    // A worker comes back: the run grows to two ranks again, from its checkpoint.
    await t.local.addWorker({ numCpus: 2 });
    await eventually(() => attempts.length >= 3 && attempts.at(-1)!.worldSize === 2, 120_000, 'the group to grow back');
    expect(attempts.at(-1)!.reason).toMatch(/resources for 2 ranks came back/);
    stop.abort(new Error('enough'));
    expect(((await fit) as Error).message).toBe('enough');
  }, 300_000);
});

describe('convoy train', () => {
  it('trains on the cluster, registers the model and prints a summary; a bad flag is one line', async () => {
    const registry = join(folder, 'registry');
    const env = { CONVOY_TOKEN: t.local.token, CONVOY_HOME: folder };
    const ok = await runConvoy(
      ['train', '--address', t.local.address, '--lake', lakeUrl, '--train-to', '2024-01-02', '--valid-to', '2024-01-03', '--workers', '2', '--batch-size', '256', '--name', 'cli', '--register', 'speed-mlp', '--registry', registry, '--json'],
      env,
      180_000,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const summary = JSON.parse(ok.stdout) as { worldSize: number; steps: number; validMae: number; registered: { version: number }; checkpoints: string };
    expect(summary.worldSize).toBe(2);
    // One day of training: 9 files, 5 steps with two ranks (the last with one rank's batch).
    expect(summary.steps).toBe(5);
    expect(Number.isFinite(summary.validMae)).toBe(true);
    expect(summary.registered.version).toBe(1);
    expect(await stat(join(summary.checkpoints, 'checkpoint', 'latest.json')).then(() => true)).toBe(true);

    const bad = await runConvoy(['train', '--address', t.local.address, '--lake', lakeUrl, '--train-to', '2024-01-02', '--valid-to', '2024-01-03', '--workers', '2-1'], env);
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toEqual(['convoy: --workers: need 1 ≤ min ≤ max, got "2-1"']);
  }, 240_000);
});
