// The sequence-training bench, tiny and without PyTorch: both GRU variants train and yield a rate, and the
// windows PyTorch would read are the same on every run.
import { describe, expect, it } from 'vitest';
import { makeWindows, run, table } from '../../bench/train-seq.ts';
import { BenchOptionsError } from '../../bench/lib/options.ts';
import { parseModelSpec } from '../../tasks/training/models/index.ts';
import type { GruSpec } from '../../tasks/training/models/model.ts';

describe('train-seq bench', () => {
  it('measures the single-sensor and the graph GRU on the wasm backend', async () => {
    const result = await run(['--batch', '64', '--windows', '128', '--steps', '2', '--reps', '1', '--warmup', '1', '--no-torch']);
    expect(result).toMatchObject({ batch: 64, windows: 128, steps: 2, reps: 1 });
    expect(result.backend).toMatch(/^wasm/);
    expect(result.convoy_gru_samples_per_s).toBeGreaterThan(0);
    expect(result.convoy_graph_gru_samples_per_s).toBeGreaterThan(0);
    expect(result.convoy_gru_samples_per_cpu_s).toBeGreaterThan(0);
    expect(result.pytorch_gru_samples_per_s).toBeUndefined();
    expect(result.gru_vs_pytorch).toBeUndefined();
    expect(table(result)).toMatch(/pytorch not run: disabled \(--no-torch\)/);
    expect(table(result)).toMatch(/graph_gru \(stepSize 2\)/);
  }, 120_000);

  it('generates the same windows every time, with the history where the GRU reads it', () => {
    const spec = parseModelSpec({ kind: 'gru', stepSize: 2 }) as GruSpec;
    const a = makeWindows(spec, 10);
    const b = makeWindows(spec, 10);
    expect(a.width).toBe(12 * 2 + 16);
    expect(a.x.length).toBe(10 * a.width);
    expect(a.y.length).toBe(10 * 3);
    expect(Array.from(a.x)).toEqual(Array.from(b.x));
    expect(Array.from(a.y)).toEqual(Array.from(b.y));
    expect(new Set(a.x).size).toBeGreaterThan(a.x.length / 2);
  });

  it('refuses an unknown flag before measuring anything', async () => {
    await expect(run(['--batchsize', '4'])).rejects.toThrow(BenchOptionsError);
  });
});
