// The traffic trainable's model choices and its best epoch: which spec a config builds (and which configs
// cannot build one), keep-best-epoch and early stopping, and a GRU trial with history and horizons trained on
// a real lake whose saved artifacts forecast those horizons.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openLake } from '../../tasks/lake/index.ts';
import { TrafficTrainable, type TrafficTrialConfig } from '../../tasks/training/index.ts';
import { trialModel } from '../../tasks/training/trial-config.ts';
import { BestEpoch } from '../../tasks/training/best-epoch.ts';
import { syntheticTraffic } from './helpers/synthetic-traffic.ts';
import { neighboursOf, saveSensorGraph, toSparse } from '../../tasks/graph/index.ts';

describe('trialModel', () => {
  it('builds the MLP, the MLP on history and the GRU, with one output per horizon', () => {
    expect(trialModel({})).toEqual({ spec: { kind: 'mlp', history: 0, inputSize: 16, hidden: [64, 64], outputSize: 1 }, horizonsMin: [0] });
    expect(trialModel({ history: 12, horizons: [15, 30, 60], hidden: [32] })).toEqual({
      spec: { kind: 'mlp', history: 12, inputSize: 28, hidden: [32], outputSize: 3 },
      horizonsMin: [15, 30, 60],
    });
    expect(trialModel({ model: 'gru', horizons: [5, 60] })).toEqual({
      spec: { kind: 'gru', steps: 12, stepSize: 1, contextSize: 16, hidden: 32, outputSize: 2 },
      horizonsMin: [5, 60],
    });
  });

  it('builds the linear model on the same inputs, with or without history', () => {
    expect(trialModel({ model: 'linear' })).toEqual({ spec: { kind: 'linear', history: 12, inputSize: 28, outputSize: 3 }, horizonsMin: [15, 30, 60] });
    expect(trialModel({ model: 'linear', history: 0 })).toEqual({ spec: { kind: 'linear', history: 0, inputSize: 16, outputSize: 1 }, horizonsMin: [0] });
  });

  it('names the keys that do not go together', () => {
    expect(() => trialModel({ model: 'gru', history: 0 })).toThrow('model "gru" needs history ≥ 1');
    expect(() => trialModel({ horizons: [15] })).toThrow(/horizons need history ≥ 1/);
  });
});

describe('BestEpoch', () => {
  it('keeps the lowest epoch, ignores non-finite values, and runs out of patience counting from the best', () => {
    const b = new BestEpoch<string>();
    b.observe(1, NaN, 'e1');
    expect([b.epoch, b.stale, b.exhausted(1)]).toEqual([undefined, 1, true]);
    b.observe(2, 5, 'e2');
    b.observe(3, 4, 'e3');
    b.observe(4, 4, 'e4'); // a tie is not better
    b.observe(5, 6, 'e5');
    expect([b.epoch, b.value, b.kept, b.stale]).toEqual([3, 4, 'e3', 2]);
    expect([b.exhausted(2), b.exhausted(3), b.exhausted(undefined)]).toEqual([true, false, false]);
    b.restore(3, 4, 7);
    expect([b.epoch, b.kept, b.stale]).toEqual([3, undefined, 4]);
  });
});

const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
let folder: string;
let base: TrafficTrialConfig;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'convoy-trial-models-'));
  const lake = await openLake(join(folder, 'lake'), { threads: 0 });
  let shard = 0;
  for (const batch of syntheticTraffic({ start, days: 3, segmentsPerCity: 3, seed: 5 })) await lake.writeShard(`s-${shard++}`, batch);
  await lake.close();
  base = { lake: join(folder, 'lake'), trainTo: start + 2 * DAY, validFrom: start + 2 * DAY, validTo: start + 3 * DAY, batchSize: 512 };
});
afterAll(() => rm(folder, { recursive: true, force: true }));

describe('TrafficTrainable with a GRU', () => {
  it('trains on history, reports its best epoch, and saves artifacts that forecast the horizons asked for', { timeout: 240_000 }, async () => {
    const t = new TrafficTrainable();
    await t.setup({ ...base, model: 'gru', history: 6, horizons: [15, 30], hidden: [8] }, { trialId: 'gru', runName: 'models', checkpointPrefix: join(folder, 'tune', 'gru') });
    const first = await t.step();
    const second = await t.step();
    expect(Number.isFinite(first.validMae)).toBe(true);
    expect(second.bestValidMae).toBe(Math.min(first.validMae as number, second.validMae as number));
    expect(second.bestEpoch).toBe((second.validMae as number) < (first.validMae as number) ? 2 : 1);
    await t.save();
    const header = JSON.parse(await readFile(join(folder, 'tune', 'gru', 'model', 'model.json'), 'utf8')) as { spec: { kind: string; steps: number }; horizonsMin: number[] };
    expect([header.spec.kind, header.spec.steps, header.horizonsMin]).toEqual(['gru', 6, [15, 30]]);
    const trial = JSON.parse(await readFile(join(folder, 'tune', 'gru', 'trial.json'), 'utf8')) as { epoch: number; bestEpoch: number };
    expect(trial).toMatchObject({ epoch: 2, bestEpoch: second.bestEpoch });
  });

  it('trains the graph model through the sensor graph stored beside the lake, and says how to store one when there is none', { timeout: 240_000 }, async () => {
    const t = new TrafficTrainable();
    const config = { ...base, cities: ['oslo'], model: 'graph' as const, history: 6, horizons: [15], hidden: [8] };
    await t.setup(config, { trialId: 'graph-none', runName: 'models', checkpointPrefix: join(folder, 'tune', 'graph-none') });
    await expect(t.step()).rejects.toThrow(/there is none for oslo: store one with convoy import-graph --lake/);
    // A ring over the city's segments.
    const lake = await openLake(join(folder, 'lake'), { threads: 0 });
    const seen = new Set<string>();
    for await (const b of lake.scan({ columns: ['segment_id'], filter: { city: 'oslo' } })) for (const v of b.getChild('segment_id')!) seen.add(String(v));
    const ids = [...seen];
    const ring = { ids, from: ids.map((_, i) => i), to: ids.map((_, i) => (i + 1) % ids.length), value: ids.map(() => 1) };
    const graph = { city: 'oslo', ids, adjacency: toSparse(ring), origin: { kind: 'edges' as const, kernel: 'none' as const } };
    await saveSensorGraph(lake, graph);
    expect(neighboursOf(graph).get(ids[0]!)!.map((n) => n.sensor).sort()).toEqual([ids[1]!, ids.at(-1)!].sort());
    await t.setup(config, { trialId: 'graph', runName: 'models', checkpointPrefix: join(folder, 'tune', 'graph') });
    const first = await t.step();
    expect(Number.isFinite(first.validMae)).toBe(true);
    await t.save();
    const header = JSON.parse(await readFile(join(folder, 'tune', 'graph', 'model', 'model.json'), 'utf8')) as { pipeline: string; spec: { stepSize: number } };
    expect([header.pipeline, header.spec.stepSize]).toEqual(['graph6-speed', 2]);
  });

  it('refuses a config that cannot build a model, naming the keys', async () => {
    const t = new TrafficTrainable();
    await expect(t.setup({ ...base, model: 'gru', history: 0 }, { trialId: 'bad', runName: 'models', checkpointPrefix: join(folder, 'tune', 'bad') })).rejects.toThrow('model "gru" needs history');
  });
});
