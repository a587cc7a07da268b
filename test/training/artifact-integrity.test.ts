/**
 * Checkpoints, registered models and trial artifacts keep the size and SHA-256 of their binary half in their
 * manifest: bytes overwritten in place (the file keeps its size and its tensor-file header) are refused with
 * the location instead of loading as wrong weights. Manifests written before digests still load.
 */
import { mkdtemp, open, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { loadArtifacts, saveArtifacts, CheckpointStore, type Checkpoint, CorruptArtifactError, ModelRegistry } from '../../tasks/training/index.ts';
import type { ModelArtifacts } from '../../tasks/training/index.ts';

const weights = () =>
  new Map([
    ['dense/kernel', { shape: [16, 8], data: Float32Array.from({ length: 128 }, (_, i) => Math.sin(i)) }],
    ['dense/bias', { shape: [8], data: Float32Array.from({ length: 8 }, (_, i) => i / 10) }],
  ]);

const artifacts = (): ModelArtifacts => ({
  spec: { kind: 'mlp', history: 0, inputSize: 16, hidden: [8], outputSize: 1 },
  target: 'speed',
  horizonsMin: [0],
  pipeline: 'mlp16-speed',
  normalizer: { version: 1, featureNames: Array.from({ length: 16 }, (_, i) => `f${i}`), mean: new Array(16).fill(0), std: new Array(16).fill(1), targetMean: 50, targetStd: 10, rows: 100 },
  weights: weights(),
  backend: 'wasm',
});

const checkpoint = (step: number): Checkpoint => ({
  meta: {
    version: 1, model: 'mlp 16-8-1', pipeline: 'mlp16-speed', step, epoch: 0, batchesInEpoch: step, rowsSeen: step * 10,
    optimizerIterations: step, history: [], savedAt: 'now', normalizer: artifacts().normalizer,
  },
  tensors: weights(),
});

/** Overwrites bytes near the end of a file (inside the float data, past the tensor-file header). */
async function overwriteTail(path: string): Promise<void> {
  const handle = await open(path, 'r+');
  try {
    const { size } = await handle.stat();
    await handle.write(Buffer.from([0x7f, 0x7f, 0x7f, 0x7f, 0x00, 0x01]), 0, 6, size - 40);
  } finally {
    await handle.close();
  }
}

let folder: string;
beforeAll(async () => {
  folder = await mkdtemp(join(tmpdir(), 'convoy-artifact-integrity-'));
});
afterAll(async () => rm(folder, { recursive: true, force: true }));

describe('checkpoint integrity', () => {
  it('refuses a state file whose bytes changed, naming it, and falls back to an older checkpoint', async () => {
    const store = new CheckpointStore(new LocalStorage(join(folder, 'ckpt')), 'run', 2);
    await store.save(checkpoint(4));
    await store.save(checkpoint(8));
    await overwriteTail(join(folder, 'ckpt/run/step-000000008/state.bin'));

    const skipped: CorruptArtifactError[] = [];
    const loaded = await store.loadLatest(undefined, { onCorrupt: (e) => skipped.push(e) });
    expect(loaded?.meta.step).toBe(4);
    expect(skipped).toHaveLength(1);
    expect(skipped[0]!.location).toMatch(/run\/step-000000008\/state\.bin$/);
    expect(skipped[0]!.message).toMatch(/SHA-256 is .*, meta\.json says .*its bytes changed after it was saved/);

    // With no good checkpoint left, the load fails with that error.
    await overwriteTail(join(folder, 'ckpt/run/step-000000004/state.bin'));
    await expect(store.loadLatest()).rejects.toThrow(CorruptArtifactError);
    await expect(store.loadLatest()).rejects.toThrow(/step-000000004\/state\.bin.*SHA-256/);
  });

  it('loads a checkpoint saved before digests existed', async () => {
    const store = new CheckpointStore(new LocalStorage(join(folder, 'old-ckpt')), 'run', 2);
    await store.save(checkpoint(4));
    const metaPath = join(folder, 'old-ckpt/run/step-000000004/meta.json');
    const meta = JSON.parse(await readFile(metaPath, 'utf8')) as Record<string, unknown>;
    expect(meta.state).toMatchObject({ bytes: expect.any(Number), sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    delete meta.state;
    await writeFile(metaPath, JSON.stringify(meta));
    expect(Array.from((await store.loadLatest())!.tensors.get('dense/bias')!.data)).toEqual(Array.from(weights().get('dense/bias')!.data));
  });
});

describe('registered model integrity', () => {
  it('refuses weights whose bytes changed, naming the file, and keeps other versions usable', async () => {
    const registry = new ModelRegistry(new LocalStorage(join(folder, 'registry')));
    await registry.register({ model: 'speed', artifacts: artifacts() });
    await registry.register({ model: 'speed', artifacts: artifacts() });
    expect((await registry.show('speed', 2)).weightsDigest).toMatchObject({ sha256: expect.stringMatching(/^[0-9a-f]{64}$/) });
    await overwriteTail(join(folder, 'registry/models/speed/v000002/weights.bin'));
    await expect(registry.load('speed', 2)).rejects.toThrow(CorruptArtifactError);
    await expect(registry.load('speed', 2)).rejects.toThrow(/models\/speed\/v000002\/weights\.bin is not a usable artifact: its SHA-256 is/);
    const { artifacts: v1 } = await registry.load('speed', 1);
    expect(Array.from(v1.weights.get('dense/kernel')!.data)).toEqual(Array.from(weights().get('dense/kernel')!.data));
    expect(Object.keys(v1)).not.toContain('weightsDigest');
  });

  it('loads a version registered before digests existed', async () => {
    const registry = new ModelRegistry(new LocalStorage(join(folder, 'old-registry')));
    await registry.register({ model: 'speed', artifacts: artifacts() });
    const manifest = join(folder, 'old-registry/models/speed/v000001/model.json');
    const info = JSON.parse(await readFile(manifest, 'utf8')) as Record<string, unknown>;
    delete info.weightsDigest;
    await writeFile(manifest, JSON.stringify(info));
    expect((await registry.load('speed', 1)).artifacts.weights.size).toBe(2);
  });
});

describe('trial artifacts integrity', () => {
  it('refuses model weights whose bytes changed, naming the file', async () => {
    const storage = new LocalStorage(join(folder, 'trial'));
    await saveArtifacts(storage, 'model', artifacts());
    expect((await loadArtifacts(storage, 'model')).weights.size).toBe(2);
    await overwriteTail(join(folder, 'trial/model/weights.bin'));
    await expect(loadArtifacts(storage, 'model')).rejects.toThrow(/trial\/model\/weights\.bin is not a usable artifact: its SHA-256 is/);
  });
});
