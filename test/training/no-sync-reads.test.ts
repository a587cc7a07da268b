import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { selectBackend, Predictor, trainModel } from '../../tasks/training/index.ts';
import { localGroups } from '../helpers/collective.ts';
import { tf } from '../internal.ts';
import { syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

// tfjs-backend-webgpu cannot read a tensor synchronously in Node (its dataSync draws through an OffscreenCanvas,
// which Node lacks: "OffscreenCanvas is not defined"), so everything a GPU trainer process runs must read
// results with `await tensor.data()`. No GPU here: the CPU backend is made to refuse synchronous reads the same
// way, and the whole path runs on it.
const DAY = 86_400_000;
const start = Date.UTC(2024, 0, 1);
const data = { days: 3, segmentsPerCity: 4, seed: 5 };
const common = { trainRange: { to: start + 2 * DAY }, validRange: { from: start + 2 * DAY }, epochs: 1, batchSize: 256, backends: ['cpu' as const] };
let folder: string;

beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'convoy-nosync-'));
  await selectBackend({ prefer: ['cpu'] });
  const backend = tf.engine().backend as { readSync: (id: unknown) => unknown; read: (id: unknown) => Promise<unknown> };
  const readSync = backend.readSync.bind(backend);
  backend.read = async (id) => readSync(id); // the CPU backend's own async read goes through readSync
  backend.readSync = () => {
    throw new Error('synchronous read (webgpu in Node has none)');
  };
});
afterAll(() => rm(folder, { recursive: true, force: true }));

describe('the training path reads tensors only asynchronously', () => {
  it('the stand-in backend does refuse synchronous reads', () => {
    expect(() => tf.scalar(1).dataSync()).toThrow(/synchronous read/);
  });

  it('trains with checkpoints, validates and predicts', async () => {
    const r = await trainModel({ ...common, data: () => syntheticTrafficAsync(data), checkpoint: { storage: new LocalStorage(folder), prefix: 'run', everySteps: 2 } });
    expect(r.backend).toBe('cpu');
    expect(r.steps).toBeGreaterThan(2);
    expect(Number.isFinite(r.history.at(-1)!.validMae)).toBe(true);
    const predictor = await Predictor.fromArtifacts(r.artifacts);
    const batch = (await syntheticTrafficAsync({ ...data, days: 1 })[Symbol.asyncIterator]().next()).value;
    const predicted = await predictor.predict(batch);
    expect(predicted.length).toBe(batch.numRows);
    expect(predicted.every(Number.isFinite)).toBe(true);
    predictor.close();
  });

  it('trains the sequence model (GRU) and validates it', async () => {
    const r = await trainModel({ ...common, model: { kind: 'gru' }, data: () => syntheticTrafficAsync({ ...data, segmentsPerCity: 1, cities: ['oslo'] }) });
    expect(r.backend).toBe('cpu');
    expect(Number.isFinite(r.history.at(-1)!.validMae)).toBe(true);
  });

  it('trains data-parallel (gradients read for the allreduce)', async () => {
    const ranks = await localGroups(2);
    const [a, b] = await Promise.all(ranks.map((exchange, rank) => trainModel({ ...common, data: () => syntheticTrafficAsync({ ...data, seed: 5 + rank }), exchange })));
    expect(a!.steps).toBe(b!.steps);
    expect(a!.steps).toBeGreaterThan(1);
    ranks.forEach((r) => r.close());
  });
});
