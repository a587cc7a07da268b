import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { CorruptArtifactError, ModelNotFoundError, evaluate, pipelineFor, Predictor, ModelRegistry, trainModel, type TrainResult } from '../../tasks/training/index.ts';
import { syntheticTraffic, syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
const data = { days: 3, segmentsPerCity: 8, seed: 4 };
const validRange = { from: start + 2 * DAY };

describe('model registry and predictor', () => {
  let folder: string;
  let registry: ModelRegistry;
  let first: TrainResult;
  let second: TrainResult;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'convoy-registry-'));
    registry = new ModelRegistry(new LocalStorage(folder));
    const common = { data: () => syntheticTrafficAsync(data), trainRange: { to: validRange.from }, validRange, batchSize: 256, backends: ['wasm' as const] };
    first = await trainModel({ ...common, epochs: 1 });
    second = await trainModel({ ...common, epochs: 2, learningRate: 3e-3 });
  }, 120_000);
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  it('registers versions with config, metrics and data range, and lists, shows and promotes them', async () => {
    await expect(registry.show('speed', 'promoted')).rejects.toBeInstanceOf(ModelNotFoundError);
    const v1 = await registry.register({ model: 'speed', artifacts: first.artifacts, config: { lr: 1e-3 }, metrics: { mae: first.history[0]!.validMae } });
    const v2 = await registry.register({ model: 'speed', artifacts: second.artifacts, config: { lr: 3e-3 }, dataRange: { to: validRange.from } });
    expect([v1.version, v2.version]).toEqual([1, 2]);
    expect(await registry.models()).toEqual(['speed']);
    await registry.promote('speed', 2);
    const listed = await registry.list('speed');
    expect(listed.map((v) => [v.version, v.promoted])).toEqual([[1, false], [2, true]]);
    const shown = await registry.show('speed', 'promoted');
    expect(shown.config).toEqual({ lr: 3e-3 });
    expect(shown.dataRange).toEqual({ to: validRange.from });
    expect(shown.backend).toBe('wasm');
    expect(shown.normalizer.featureNames).toHaveLength(16);
    await expect(registry.promote('speed', 7)).rejects.toBeInstanceOf(ModelNotFoundError);
  });

  it('round-trips the weights exactly and the predictor reproduces the trainer’s validation error', async () => {
    const predictor = await Predictor.load(registry, 'speed');
    expect(predictor.info?.version).toBe(2);
    for (const [name, w] of second.artifacts.weights) expect(Array.from(predictor.artifacts.weights.get(name)!.data)).toEqual(Array.from(w.data));
    const m = await evaluate({
      predict: (x, n) => predictor.predictRows(x, n),
      pipeline: pipelineFor(predictor.artifacts.spec, 'speed'),
      data: syntheticTrafficAsync(data),
      range: validRange,
      mapeFloor: 1,
    });
    const trainer = second.history.at(-1)!;
    expect(m.rows).toBe(trainer.validRows);
    expect(m.mae).toBeCloseTo(trainer.validMae!, 6);
    expect(m.rmse).toBeCloseTo(trainer.validRmse!, 6);
    predictor.close();
  });

  it('predicts the same for Arrow batches and plain sample objects', async () => {
    const predictor = await Predictor.load(registry, 'speed', { version: 1 });
    const batch = syntheticTraffic({ ...data, days: 1, batchRows: 200 }).next().value!;
    const objects = batch.toArray().map((r: { toJSON(): object; timestamp: unknown }) => ({ ...r.toJSON(), timestamp: Number(r.timestamp) })) as never[];
    const fromArrow = await predictor.predict(batch);
    const fromObjects = await predictor.predict(objects);
    expect(fromArrow.length).toBe(200);
    expect(Array.from(fromObjects)).toEqual(Array.from(fromArrow));
    // predictions are speeds in km/h, not normalised values
    const mean = fromArrow.reduce((a, b) => a + b, 0) / fromArrow.length;
    expect(mean).toBeGreaterThan(15);
    expect(mean).toBeLessThan(120);
    predictor.close();
  });

  it('refuses a corrupt weights file with the location, keeping other versions usable', async () => {
    await writeFile(join(folder, 'models/speed/v000001/weights.bin'), 'garbage');
    await expect(registry.load('speed', 1)).rejects.toThrow(CorruptArtifactError);
    await expect(registry.load('speed', 1)).rejects.toThrow(/v000001\/weights\.bin/);
    const { artifacts } = await registry.load('speed', 2);
    expect(artifacts.weights.size).toBe(6);
  });
});
