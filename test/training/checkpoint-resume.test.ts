import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../cluster/storage/index.ts';
import { trainModel } from '../../tasks/training/index.ts';
import { syntheticTrafficAsync } from './helpers/synthetic-traffic.ts';

const data = { days: 2, segmentsPerCity: 12, batchRows: 512, seed: 5 };
const settings = { batchSize: 256, epochs: 2, shuffleBufferRows: 2048, learningRate: 3e-3, seed: 9, backends: ['wasm'] };
const child = join(import.meta.dirname, 'fixtures', 'train-child.ts');

async function latestStep(folder: string): Promise<number> {
  try {
    return (JSON.parse(await readFile(join(folder, 'ckpt/run/latest.json'), 'utf8')) as { step: number }).step;
  } catch {
    return 0;
  }
}

describe('checkpoint → kill → resume', () => {
  const folders: string[] = [];
  afterAll(async () => {
    for (const f of folders) await rm(f, { recursive: true, force: true });
  });

  it('continues from the last checkpoint and ends at the same step with the same weights', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'convoy-ckpt-'));
    folders.push(folder);
    const proc = spawn(process.execPath, ['--import', 'tsx', child, folder, JSON.stringify({ data, settings, pauseMs: 15 })], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let exited = false;
    const exit = new Promise<number | null>((resolve) => proc.on('exit', (code) => ((exited = true), resolve(code))));
    // Kill hard once a few checkpoints are committed, mid-epoch.
    let killedAt = 0;
    while (!exited) {
      killedAt = await latestStep(folder);
      if (killedAt >= 12) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(exited).toBe(false);
    proc.kill('SIGKILL');
    expect(await exit).toBe(null);
    const checkpointStep = await latestStep(folder);
    expect(checkpointStep).toBeGreaterThanOrEqual(12);

    const storage = new LocalStorage(folder);
    const resumed = await trainModel({
      ...settings,
      backends: ['wasm'],
      data: () => syntheticTrafficAsync(data),
      checkpoint: { storage, prefix: 'ckpt/run', everySteps: 4 },
    });
    const uninterrupted = await trainModel({ ...settings, backends: ['wasm'], data: () => syntheticTrafficAsync(data) });

    expect(resumed.resumedFromStep).toBe(checkpointStep);
    expect(resumed.steps).toBe(uninterrupted.steps);
    expect(resumed.rowsSeen).toBe(uninterrupted.rowsSeen);
    expect(resumed.history.map((h) => h.epoch)).toEqual([0, 1]);
    for (const [name, a] of uninterrupted.artifacts.weights) {
      const b = resumed.artifacts.weights.get(name)!;
      for (let i = 0; i < a.data.length; i++) expect(b.data[i]).toBeCloseTo(a.data[i]!, 4);
    }
  });
});
