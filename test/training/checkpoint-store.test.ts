import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { CheckpointStore, type Checkpoint, CheckpointMismatchError, CorruptArtifactError, decodeTensors, encodeTensors } from '../../tasks/training/index.ts';

const checkpoint = (step: number): Checkpoint => ({
  meta: {
    version: 1, model: 'mlp 16-64-1', pipeline: 'mlp16-speed', step, epoch: 0, batchesInEpoch: step, rowsSeen: step * 10,
    optimizerIterations: step, history: [], savedAt: 'now',
    normalizer: { version: 1, featureNames: ['a'], mean: [0], std: [1], targetMean: 0, targetStd: 1, rows: 1 },
  },
  tensors: new Map([['w', { shape: [2, 2], data: Float32Array.of(step, 2, 3, 4) }]]),
});

describe('checkpoint store', () => {
  let folder: string;
  let store: CheckpointStore;
  beforeAll(async () => {
    folder = await mkdtemp(join(tmpdir(), 'convoy-ckpt-store-'));
    store = new CheckpointStore(new LocalStorage(folder), 'runs/a', 2);
  });
  afterAll(async () => rm(folder, { recursive: true, force: true }));

  it('keeps the newest K checkpoints and loads the latest', async () => {
    expect(await store.loadLatest()).toBeUndefined();
    for (const step of [4, 8, 12]) await store.save(checkpoint(step));
    const latest = await store.loadLatest({ model: 'mlp 16-64-1', pipeline: 'mlp16-speed' });
    expect(latest?.meta.step).toBe(12);
    expect(Array.from(latest!.tensors.get('w')!.data)).toEqual([12, 2, 3, 4]);
    const keys: string[] = [];
    for await (const { key } of store.storage.list('runs/a/')) keys.push(key);
    expect(keys.filter((k) => k.endsWith('meta.json'))).toEqual([
      'runs/a/step-000000008/meta.json',
      'runs/a/step-000000012/meta.json',
    ]);
  });

  it('falls back to the previous complete checkpoint when the newest is corrupt', async () => {
    await writeFile(join(folder, 'runs/a/latest.json'), '{not json');
    await writeFile(join(folder, 'runs/a/step-000000012/state.bin'), 'truncated');
    expect((await store.loadLatest())?.meta.step).toBe(8);
  });

  it('refuses a checkpoint of another model with both descriptions in the message', async () => {
    await expect(store.loadLatest({ model: 'gru', pipeline: 'history12-speed' })).rejects.toThrow(CheckpointMismatchError);
    await expect(store.loadLatest({ model: 'gru', pipeline: 'history12-speed' })).rejects.toThrow(/mlp 16-64-1/);
  });

  it('rejects truncated and foreign tensor files, naming the location', () => {
    const bytes = encodeTensors(checkpoint(1).tensors);
    expect(decodeTensors(bytes, 'x').get('w')!.shape).toEqual([2, 2]);
    expect(() => decodeTensors(bytes.subarray(0, bytes.length - 4), 's3://b/k')).toThrow(CorruptArtifactError);
    expect(() => decodeTensors(bytes.subarray(0, bytes.length - 4), 's3://b/k')).toThrow(/s3:\/\/b\/k.*truncated data/);
    expect(() => decodeTensors(new TextEncoder().encode('PAR1 not ours'), 'f')).toThrow(/bad magic/);
  });
});
