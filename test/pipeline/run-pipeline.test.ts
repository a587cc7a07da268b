import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runEndToEnd as runPipeline, type EndToEndReport as PipelineReport } from '../../tasks/end-to-end/run-end-to-end.ts';
import { ModelRegistry } from '../../tasks/training/index.ts';
import { openStorage } from '../../cluster/storage/index.ts';
import { startTestCluster, type TestCluster } from '../helpers/cluster.ts';

// What `npm start` runs, at a size a test can afford: collect, grid search with ASHA, validate, register, serve.
let t: TestCluster;
let dataDir: string;
let first: PipelineReport;
const options = () => ({ dataDir, samples: 200_000, days: 4, epochs: 2 });

beforeAll(async () => {
  dataDir = await mkdtemp(join(tmpdir(), 'convoy-pipeline-'));
  t = await startTestCluster({ workers: 2, cpusPerWorker: 1 });
  first = await runPipeline(t.cluster, options());
}, 240_000);
afterAll(async () => {
  await t?.stop();
  await rm(dataDir, { recursive: true, force: true });
});

describe('the npm start pipeline', () => {
  it('collects the lake, runs the 3×2 grid, validates the best trial and promotes it', async () => {
    expect(first.lake.rows).toBe(200_000);
    expect(first.lake.collectedNow).toBe(200_000);
    expect(first.tune.trials).toBe(6);
    expect(first.tune.best.validMae).toBeGreaterThan(0);
    expect(first.validation.rows, `${first.validation.excludedRows} rows excluded`).toBeGreaterThan(0);
    expect(first.validation.overall.model.rows).toBe(first.validation.overall.historicalAverage.rows);
    expect(first.model).toMatchObject({ name: 'traffic-speed', version: 1 });
    const registry = new ModelRegistry(openStorage(join(dataDir, 'registry')));
    const promoted = await registry.load('traffic-speed', 'promoted');
    expect(promoted.info.version).toBe(1);
    expect(promoted.info.metrics).toMatchObject({ validMae: first.tune.best.validMae });
    expect(first.predictions).toHaveLength(5);
    for (const p of first.predictions) expect(p.predictedKmh).toBeGreaterThan(0);
  });

  it('reuses the lake when run again and registers the next version', async () => {
    const again = await runPipeline(t.cluster, options());
    expect(again.lake.collectedNow).toBe(0);
    expect(again.lake.rows).toBe(200_000);
    expect(again.model.version).toBe(2);
    // the same data, grid and seeds train the same best model
    expect(again.tune.best.trialId).toBe(first.tune.best.trialId);
    expect(again.tune.best.validMae).toBeCloseTo(first.tune.best.validMae, 6);
  }, 240_000);
});
